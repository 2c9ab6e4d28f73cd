import LWCommands

LWCtl.main()
