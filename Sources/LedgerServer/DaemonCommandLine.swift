import Foundation
import LedgerStore

/// ledgerd's command line: `--help` and `--version`, answered before any configuration is read or anything starts.
/// ledgerd takes its settings from the environment only, so any other argument is refused.
public enum DaemonCommandLine {
    /// Prints the help or the version and exits when asked; exits 2 on an unknown argument; returns otherwise.
    public static func handle(_ arguments: [String]) {
        guard let argument = arguments.first else { return }
        switch argument {
        case "-h", "--help", "help":
            print(help)
            exit(0)
        case "--version":
            print("ledgerd \(LedgerVersion.current)")
            exit(0)
        default:
            FileHandle.standardError.write(Data("ledgerd: unknown argument '\(argument)': ledgerd takes its settings from the environment (see ledgerd --help)\n".utf8))
            exit(2)
        }
    }

    static let help = """
        ledgerd \(LedgerVersion.current): the terminal API of the double-support restaurant ledger.

        Usage: ledgerd [--help | --version]

        Serves the API until SIGTERM or SIGINT, then finishes the requests in flight (at most 10 s) and exits 0.
        A configuration or database problem at start is one line on standard error and exit status 1.
        The database must have been migrated first (ledgerctl migrate).

        Settings, from the environment (empty counts as unset), over the file named by LEDGER_CONFIG:
          DATABASE_URL                   libpq connection string or URI (default: libpq's PG* variables)
          LEDGER_LISTEN                  address and port of the terminal API (default 127.0.0.1:8080)
          LEDGER_METRICS_LISTEN          host:port of a separate /metrics listener (default: on the API's address)
          LEDGER_TZ                      the programme's time zone (default Asia/Shanghai)
          LEDGER_DAILY_LIMIT             discounted meals per card per local day (default 3)
          LEDGER_LATE_DAYS               days after a close during which late entries are accepted (default 30)
          LEDGER_MAX_CLOCK_SKEW_SECONDS  how far ahead of the server's clock occurred_at may be (default 300)
          LEDGER_DELIVERY_MIN_AGE        age from which a veteran gets free delivery (default 80)
          LEDGER_POOL_SIZE               database connections (default 8)
          LEDGER_MEAL_GROUPS             transactions of meals written at once (default 1)
          LEDGER_LOG_LEVEL               trace, debug, info, notice, warning, error, critical (default info)
          LEDGER_LOG_FORMAT              json for one JSON object per line (default: text lines)
          LEDGER_CONFIG                  a file of KEY=VALUE lines; a variable set in the environment wins
          NOTIFY_SOCKET                  set by systemd (Type=notify): READY=1 once serving, STOPPING=1 at the end
        """
}
