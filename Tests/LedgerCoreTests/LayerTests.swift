import Foundation
import Testing

/// Dependencies point one way: Postgres <- LedgerCore <- LedgerReports <- LedgerStore <- LedgerServer / LedgerCommands /
/// LedgerConsole <- executables. SwiftPM lets a module import any module its dependencies depend on, so Package.swift alone does
/// not hold the rule; this test reads every source file's imports.
@Suite("layers")
struct LayerTests {
    /// The modules of this package each module may import.
    static let allowed: [String: Set<String>] = [
        "CLibPQ": [],
        "Postgres": ["CLibPQ"],
        "LedgerCore": [],
        "LedgerReports": ["LedgerCore"],
        "LedgerStore": ["Postgres", "LedgerCore", "LedgerReports"],
        "LedgerServer": ["LedgerStore", "LedgerCore"],
        "LedgerCommands": ["LedgerStore", "LedgerCore", "LedgerReports"],
        "LedgerConsole": ["LedgerStore", "LedgerCore", "LedgerReports"],
        "ledgerd": ["LedgerServer", "LedgerStore", "LedgerConsole"],
        "ledgerctl": ["LedgerCommands"],
    ]

    static let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Sources")

    /// The modules of this package that a Swift file imports.
    static func imports(of file: URL, among modules: Set<String>) throws -> Set<String> {
        let text = try String(contentsOf: file, encoding: .utf8)
        let pattern = try NSRegularExpression(pattern: #"^(?:@testable |@_exported |public |package |internal )*import (\w+)"#,
                                              options: .anchorsMatchLines)
        let names = pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap { match in
            Range(match.range(at: 1), in: text).map { String(text[$0]) }
        }
        return Set(names).intersection(modules)
    }

    @Test("each module imports only the modules below it: nothing above LedgerStore imports Postgres")
    func importsPointOneWay() throws {
        let modules = try FileManager.default.contentsOfDirectory(atPath: Self.sources.path).filter { !$0.hasPrefix(".") }
        #expect(Set(modules) == Set(Self.allowed.keys), "a module was added or removed: give it its place in `allowed`")
        var checked = 0
        for module in modules {
            let directory = Self.sources.appendingPathComponent(module)
            let files = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: nil)?
                .compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" } ?? []
            for file in files {
                let forbidden = try Self.imports(of: file, among: Set(modules)).subtracting(Self.allowed[module] ?? [])
                #expect(forbidden.isEmpty, "\(module)/\(file.lastPathComponent) imports \(forbidden.sorted())")
                checked += 1
            }
        }
        #expect(checked > 50, "only \(checked) source files found under \(Self.sources.path)")
    }

    @Test("the import reader sees every form of import")
    func importReader() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("layer-test-\(UUID().uuidString).swift")
        defer { try? FileManager.default.removeItem(at: file) }
        try "import Foundation\npublic import Postgres\n@testable import LedgerStore\n// import LedgerServer\n"
            .write(to: file, atomically: true, encoding: .utf8)
        #expect(try Self.imports(of: file, among: ["Postgres", "LedgerStore", "LedgerServer"]) == ["Postgres", "LedgerStore"])
    }
}
