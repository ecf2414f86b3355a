import ArgumentParser
import LedgerCommands

Ledgerctl.main()
