/// ledger-bench: measures our `PostgresPool` against the same work `pgbench -S` does.
///
///     ledger-bench pool --clients N --seconds S [--scale K]
///
/// Runs N tasks over a pool of N connections to `DATABASE_URL` (libpq's `PG*` variables when unset). Each task
/// repeats `SELECT abalance FROM pgbench_accounts WHERE aid = $1` with a random aid in 1...100000*K until S
/// seconds have passed, then one line is printed:
///
///     pool clients=N seconds=S transactions=T tps=X p50_ms=… p99_ms=…
///
/// The tables must exist already (`pgbench -i -s K`). Connections are opened before the clock starts.
import Foundation
import Logging
import Postgres

struct Options {
    var clients = 8
    var seconds = 10
    var scale = 1
}

func usage(_ message: String) -> Never {
    FileHandle.standardError.write(
        Data("ledger-bench: \(message)\nusage: ledger-bench pool --clients N --seconds S [--scale K]\n".utf8))
    exit(2)
}

func parse(_ arguments: [String]) -> Options {
    guard arguments.first == "pool" else { usage("the only benchmark is 'pool'") }
    var options = Options()
    var rest = arguments.dropFirst()
    while let flag = rest.popFirst() {
        guard let text = rest.popFirst(), let value = Int(text), value >= 1 else {
            usage("\(flag) needs a whole number of at least 1")
        }
        switch flag {
        case "--clients": options.clients = value
        case "--seconds": options.seconds = value
        case "--scale": options.scale = value
        default: usage("unknown option \(flag)")
        }
    }
    return options
}

/// Microseconds on the monotonic clock.
func nowMicros() -> Int64 {
    Int64(DispatchTime.now().uptimeNanoseconds / 1000)
}

/// The value at quantile `q` of an ascending array, in milliseconds.
func percentileMillis(_ sorted: [Int64], _ q: Double) -> Double {
    guard !sorted.isEmpty else { return 0 }
    let index = min(sorted.count - 1, Int((Double(sorted.count) * q).rounded(.up)) - 1)
    return Double(sorted[max(0, index)]) / 1000
}

func runPool(_ options: Options) async throws {
    var logger = Logger(label: "ledger-bench")
    logger.logLevel = .warning
    let conninfo = ProcessInfo.processInfo.environment["DATABASE_URL"] ?? ""
    let pool = PostgresPool(
        configuration: .init(conninfo: conninfo, maxConnections: options.clients), logger: logger)
    let maxAid = 100_000 * options.scale

    // Open every connection first, so that connecting is not measured.
    try await withThrowingTaskGroup(of: Void.self) { group in
        for _ in 0..<options.clients {
            group.addTask { _ = try await pool.withConnection { conn in try conn.query("SELECT pg_sleep(0.05)") } }
        }
        try await group.waitForAll()
    }

    let start = nowMicros()
    let deadline = start + Int64(options.seconds) * 1_000_000
    let durations = try await withThrowingTaskGroup(of: [Int64].self) { group in
        for _ in 0..<options.clients {
            group.addTask {
                var mine: [Int64] = []
                mine.reserveCapacity(200_000)
                var t0 = nowMicros()
                while t0 < deadline {
                    let aid = Int.random(in: 1...maxAid)
                    _ = try await pool.query("SELECT abalance FROM pgbench_accounts WHERE aid = \(aid)")
                    let t1 = nowMicros()
                    mine.append(t1 - t0)
                    t0 = t1
                }
                return mine
            }
        }
        var all: [Int64] = []
        for try await part in group { all += part }
        return all.sorted()
    }
    let elapsed = Double(nowMicros() - start) / 1_000_000
    await pool.close()

    let tps = Double(durations.count) / elapsed
    print(
        "pool clients=\(options.clients) seconds=\(options.seconds) transactions=\(durations.count)"
            + " tps=\(String(format: "%.0f", tps))"
            + " p50_ms=\(String(format: "%.3f", percentileMillis(durations, 0.50)))"
            + " p99_ms=\(String(format: "%.3f", percentileMillis(durations, 0.99)))")
}

let options = parse(Array(CommandLine.arguments.dropFirst()))
do {
    try await runPool(options)
} catch {
    FileHandle.standardError.write(Data("ledger-bench: \(error)\n".utf8))
    exit(1)
}
