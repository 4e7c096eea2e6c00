import FERCommands

FerdataCommand.main()
