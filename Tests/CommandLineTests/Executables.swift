import Foundation
import TestSupport
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
        try TestDatabase.url()
    }

    struct Outcome {
        let status: Int32
        let stdout: String
        let stderr: String
        var lastLine: String { stdout.split(separator: "\n").last.map(String.init) ?? "" }
        var output: String { stdout + stderr }
    }

    /// Runs a program to completion, with `environment` added to this process's, within `Deadlines.command`.
    /// Its output goes to files, not pipes: a process it leaves behind (`pg_ctl start`'s server) cannot hold them open.
    static func run(_ program: String, _ arguments: [String], environment: [String: String] = [:]) throws -> Outcome {
        try runToCompletion(binDir.appendingPathComponent(program), arguments,
                            environment: ProcessInfo.processInfo.environment.merging(environment) { $1 })
    }

    /// Runs any executable to completion with exactly `environment`, and `input` as its standard input.
    static func runToCompletion(
        _ executable: URL, _ arguments: [String], environment: [String: String], input standardInput: String = ""
    ) throws -> Outcome {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("run-\(UUID().uuidString.prefix(8))")
        let outURL = scratch.appendingPathExtension("out"), errURL = scratch.appendingPathExtension("err")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: outURL)
            try? FileManager.default.removeItem(at: errURL)
        }
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = environment
        let input = Pipe()
        process.standardInput = input
        process.standardOutput = try FileHandle(forWritingTo: outURL)
        process.standardError = try FileHandle(forWritingTo: errURL)
        try process.run()
        try input.fileHandleForWriting.write(contentsOf: Data(standardInput.utf8))
        try input.fileHandleForWriting.close()
        let what = ([executable.lastPathComponent] + arguments.prefix(3)).joined(separator: " ")
        guard Deadlines.waitForExit(process, within: Deadlines.command, what: what) else { throw CancellationError() }
        return Outcome(status: process.terminationStatus,
                       stdout: (try? String(contentsOf: outURL, encoding: .utf8)) ?? "",
                       stderr: (try? String(contentsOf: errURL, encoding: .utf8)) ?? "")
    }

    /// One value from psql, as text (the card numbers these tests make are plain letters and digits).
    static func sql(_ query: String, databaseURL: String? = nil) throws -> String {
        try runToCompletion(URL(fileURLWithPath: "/usr/bin/psql"), [try databaseURL ?? Self.databaseURL(), "-X", "-A", "-t", "-c", query],
                            environment: ProcessInfo.processInfo.environment)
            .stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func ledgerctl(_ arguments: String...) throws -> Outcome {
        try run("ledgerctl", arguments, environment: ["DATABASE_URL": try databaseURL()])
    }

    /// `ledgerctl` with `input` on its standard input.
    static func ledgerctl(input: String, _ arguments: String...) throws -> Outcome {
        try runToCompletion(binDir.appendingPathComponent("ledgerctl"), arguments,
                            environment: ProcessInfo.processInfo.environment.merging(["DATABASE_URL": try databaseURL()]) { $1 },
                            input: input)
    }
}
