import Foundation
import Testing

/// Runs the debug `ledgerctl` and `ledgerd` that `swift build` made, with a given environment.
enum Executables {
    /// `LEDGER_BIN_DIR` from `scripts/test`, else `.build/debug` of this checkout.
    static var binDir: URL {
        if let dir = ProcessInfo.processInfo.environment["LEDGER_BIN_DIR"], !dir.isEmpty {
            return URL(fileURLWithPath: dir)
        }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".build/debug")
    }

    static func databaseURL() throws -> String {
        guard let url = ProcessInfo.processInfo.environment["DATABASE_URL"], !url.isEmpty else {
            Issue.record("DATABASE_URL is not set: run ./scripts/test, which starts a private PostgreSQL")
            throw CancellationError()
        }
        return url
    }

    struct Outcome {
        let status: Int32
        let stdout: String
        let stderr: String
        var lastLine: String { stdout.split(separator: "\n").last.map(String.init) ?? "" }
        var output: String { stdout + stderr }
    }

    /// Runs a program to completion, with `environment` added to this process's.
    static func run(_ program: String, _ arguments: [String], environment: [String: String] = [:]) throws -> Outcome {
        try launch(binDir.appendingPathComponent(program), arguments, environment: environment)
    }

    /// Runs any executable to completion, with an empty standard input.
    static func launch(_ executable: URL, _ arguments: [String], environment: [String: String] = [:]) throws -> Outcome {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let input = Pipe(), out = Pipe(), err = Pipe()
        process.standardInput = input
        process.standardOutput = out
        process.standardError = err
        try process.run()
        try input.fileHandleForWriting.close()  // an empty standard input
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Outcome(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                       stderr: String(decoding: stderr, as: UTF8.self))
    }

    /// One value from psql, as text (the card numbers these tests make are plain letters and digits).
    static func sql(_ query: String, databaseURL: String? = nil) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/psql")
        process.arguments = [try databaseURL ?? Self.databaseURL(), "-X", "-A", "-t", "-c", query]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func ledgerctl(_ arguments: String...) throws -> Outcome {
        try run("ledgerctl", arguments, environment: ["DATABASE_URL": try databaseURL()])
    }
}
