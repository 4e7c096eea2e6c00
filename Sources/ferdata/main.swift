import FERCommands

await FerdataCommand.runProcess()
