public import Foundation
public import Logging
public import Postgres

/// One numbered file of `sql/`, such as `0001_core.sql`.
public struct Migration: Sendable, Equatable {
    public let version: Int
    public let name: String
    public let sql: String

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }

    /// Reads every `NNNN_name.sql` file of a folder, in version order. Two files with one number are refused.
    public static func load(from directory: URL) throws -> [Migration] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        } catch {
            throw MigrationError.folderUnreadable(directory.path)
        }
        var migrations: [Migration] = []
        for file in names where file.hasSuffix(".sql") {
            let stem = file.dropLast(4)
            guard let underscore = stem.firstIndex(of: "_"),
                let version = Int(stem[..<underscore]), version > 0
            else { continue }
            let sql = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
            migrations.append(Migration(version: version, name: String(stem[stem.index(after: underscore)...]), sql: sql))
        }
        migrations.sort { $0.version < $1.version }
        for (previous, next) in zip(migrations, migrations.dropFirst()) where previous.version == next.version {
            throw MigrationError.duplicateVersion(next.version)
        }
        guard !migrations.isEmpty else { throw MigrationError.folderUnreadable(directory.path) }
        return migrations
    }

    /// Where the migrations are: `LEDGER_SQL_DIR`, else `sql/` of the working directory, else the source tree's `sql/`.
    public static func defaultDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        if let configured = environment["LEDGER_SQL_DIR"], !configured.isEmpty {
            return URL(fileURLWithPath: configured, isDirectory: true)
        }
        let local = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("sql")
        if FileManager.default.fileExists(atPath: local.appendingPathComponent("0001_core.sql").path) {
            return local
        }
        return URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("sql", isDirectory: true)
    }
}

/// Why migrating stopped. Each message says what to do.
public enum MigrationError: Error, Equatable, CustomStringConvertible {
    case folderUnreadable(String)
    case duplicateVersion(Int)
    case modifiedAfterApply(version: Int, name: String)
    case unknownApplied(version: Int)
    case failed(version: Int, name: String, reason: String)

    public var description: String {
        switch self {
        case .folderUnreadable(let path):
            return "no migrations found in \(path): set LEDGER_SQL_DIR to the project's sql/ folder"
        case .duplicateVersion(let version):
            return "two migration files carry number \(version): renumber one of them"
        case .modifiedAfterApply(let version, let name):
            return "migration \(version) (\(name)) was changed after it was applied: restore the original file and add a new migration for the change"
        case .unknownApplied(let version):
            return "the database has migration \(version), which this program does not know: run a newer ledgerctl"
        case .failed(let version, let name, let reason):
            return "migration \(version) (\(name)) failed and was rolled back: \(reason)"
        }
    }
}

/// Applies migrations: each file in its own transaction, recorded with its SHA-256 in `ledger.schema_migrations`.
/// An advisory lock makes concurrent runs wait for each other; an applied file that changed is refused.
public struct Migrator: Sendable {
    /// The advisory lock key that serialises migrators ("ledger" in ASCII).
    static let lockKey: Int64 = 0x6C65_6467_6572

    public let migrations: [Migration]
    let logger: Logger

    public init(migrations: [Migration], logger: Logger) {
        self.migrations = migrations
        self.logger = logger
    }

    /// Brings the schema to the latest version and returns the versions applied now (empty when already current).
    @discardableResult
    public func migrate(_ connection: PostgresConnection) throws -> [Int] {
        _ = try connection.query("SELECT pg_advisory_lock(\(Self.lockKey))")
        defer { _ = try? connection.query("SELECT pg_advisory_unlock(\(Self.lockKey))") }

        try connection.execute(script: """
            CREATE SCHEMA IF NOT EXISTS ledger;
            CREATE TABLE IF NOT EXISTS ledger.schema_migrations (
                version     integer PRIMARY KEY,
                name        text NOT NULL,
                sha256      text NOT NULL,
                applied_at  timestamptz NOT NULL DEFAULT now()
            );
            """)
        var applied: [Int: String] = [:]
        for row in try connection.query("SELECT version, sha256 FROM ledger.schema_migrations") {
            applied[try row.decode("version", as: Int.self)] = try row.decode("sha256", as: String.self)
        }
        let known = Set(migrations.map(\.version))
        if let stranger = applied.keys.filter({ !known.contains($0) }).max() {
            throw MigrationError.unknownApplied(version: stranger)
        }

        var appliedNow: [Int] = []
        for migration in migrations {
            let digest = try connection.query(
                "SELECT encode(sha256(convert_to(\(migration.sql), 'UTF8')), 'hex') AS digest"
            ).single().decode("digest", as: String.self)
            if let recorded = applied[migration.version] {
                guard recorded == digest else {
                    throw MigrationError.modifiedAfterApply(version: migration.version, name: migration.name)
                }
                continue
            }
            do {
                try connection.transaction { transaction in
                    try transaction.execute(script: migration.sql)
                    _ = try transaction.query("""
                        INSERT INTO ledger.schema_migrations (version, name, sha256)
                        VALUES (\(migration.version), \(migration.name), \(digest))
                        """)
                }
            } catch let error as PostgresError {
                throw MigrationError.failed(version: migration.version, name: migration.name, reason: error.message)
            }
            logger.info("applied migration", metadata: ["migration.version": "\(migration.version)", "migration.name": "\(migration.name)"])
            appliedNow.append(migration.version)
        }
        return appliedNow
    }
}
