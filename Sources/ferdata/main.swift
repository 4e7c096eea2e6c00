import FERCommands

FerdataCommand.runProcess()
