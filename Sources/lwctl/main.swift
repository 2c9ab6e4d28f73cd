import LWCommands

LWCtl.runMain()
