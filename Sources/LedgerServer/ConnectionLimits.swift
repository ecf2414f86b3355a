#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
public import LedgerStore

/// How many connections a listener keeps open and how long a client may take to send a request.
public struct ConnectionLimits: Sendable, Equatable {
    /// `LEDGER_MAX_CONNECTIONS`: past it a new connection replaces the one waiting longest, or is closed at once.
    public var maxConnections: Int
    /// `LEDGER_READ_HEADER_TIMEOUT_SECONDS`: from the moment a connection is ready for a request to its complete head.
    public var readHeaderTimeout: Duration
    /// `LEDGER_READ_BODY_TIMEOUT_SECONDS`: from the head of a request to the end of its body.
    public var readBodyTimeout: Duration

    public init(maxConnections: Int = 512, readHeaderTimeout: Duration = .seconds(10), readBodyTimeout: Duration = .seconds(30)) {
        self.maxConnections = maxConnections
        self.readHeaderTimeout = readHeaderTimeout
        self.readBodyTimeout = readBodyTimeout
    }

    public static func fromEnvironment(_ reader: EnvironmentReader) throws -> ConnectionLimits {
        ConnectionLimits(
            maxConnections: try reader.integer("LEDGER_MAX_CONNECTIONS", default: 512, range: 1...1_000_000),
            readHeaderTimeout: .seconds(try reader.integer("LEDGER_READ_HEADER_TIMEOUT_SECONDS", default: 10, range: 1...3600)),
            readBodyTimeout: .seconds(try reader.integer("LEDGER_READ_BODY_TIMEOUT_SECONDS", default: 30, range: 1...3600)))
    }

    /// Refuses a cap that the process's descriptors cannot hold beside `reserved` others (database, files, listeners).
    public func check(descriptorLimit: Int, reserved: Int) throws {
        guard maxConnections + reserved <= descriptorLimit else {
            throw ConfigurationError(
                key: "LEDGER_MAX_CONNECTIONS",
                message: "\(maxConnections) connections and \(reserved) other descriptors exceed the limit of \(descriptorLimit) "
                    + "open files: lower LEDGER_MAX_CONNECTIONS or raise LimitNOFILE= (ulimit -n)")
        }
    }
}

/// The process's limit on open descriptors (`RLIMIT_NOFILE`).
public enum DescriptorLimit {
    /// Raises the soft limit to the hard limit and returns both values before and after.
    public static func raiseToHard() -> (before: Int, after: Int) {
        var limit = rlimit()
        guard getrlimit(resourceNumber, &limit) == 0 else { return (0, 0) }
        let before = Int(clamping: limit.rlim_cur)
        if limit.rlim_cur < limit.rlim_max {
            limit.rlim_cur = limit.rlim_max
            if setrlimit(resourceNumber, &limit) != 0 { return (before, before) }
        }
        return (before, Int(clamping: limit.rlim_cur))
    }

    #if canImport(Glibc)
    private static let resourceNumber = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
    #else
    private static let resourceNumber = RLIMIT_NOFILE
    #endif
}
