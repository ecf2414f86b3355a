import Foundation

/// Prints a report's HTML to PDF as `scripts/report-pdf` does: `print-pdf.py` drives headless Chromium over the
/// DevTools protocol (page numbers in the footer). Unlike that script it installs nothing: a server without Chromium,
/// Python or the script is told so (`PrinterUnavailable`, a 503 page), and the other downloads still work.
struct ReportPrinter: Sendable {
    let settings: PDFSettings

    /// Why the PDF cannot be printed here, and what the administrator can do.
    struct PrinterUnavailable: Error {
        let message: String
    }

    /// The PDF of `html`; Chromium is given `settings.timeoutSeconds`, and Python is stopped 15 s after that.
    func pdf(of html: String) async throws -> Data {
        guard let script = settings.script else {
            throw PrinterUnavailable(message: "PDF printing is not set up on this server: set LEDGER_CONSOLE_PDF_SCRIPT to scripts/lib/print-pdf.py (with Chromium installed); the CSV and HTML downloads work without it")
        }
        guard FileManager.default.isReadableFile(atPath: script) else {
            throw PrinterUnavailable(message: "LEDGER_CONSOLE_PDF_SCRIPT names \(script), which is not a readable file: point it at scripts/lib/print-pdf.py")
        }
        guard let browser = Self.executable(settings.browser) else {
            throw PrinterUnavailable(message: "Chromium (\(settings.browser)) is not installed on this server, so the PDF cannot be printed: ask the administrator to install Debian's chromium and fonts-noto-cjk; the CSV and HTML downloads work without it")
        }
        guard let python = Self.executable("python3") else {
            throw PrinterUnavailable(message: "python3 is not installed on this server, so the PDF cannot be printed: ask the administrator to install it")
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("console-pdf-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let input = folder.appendingPathComponent("report.html"), output = folder.appendingPathComponent("report.pdf")
        try Data(html.utf8).write(to: input)
        nonisolated(unsafe) let process = Process()
        // At the lowest priority (nice 19) where nice exists: a PDF waits, the terminals' meals do not.
        let command = [python, script, browser, input.path, output.path, String(settings.timeoutSeconds)]
        if let nice = Self.executable("nice") {
            process.executableURL = URL(fileURLWithPath: nice)
            process.arguments = ["-n", "19"] + command
        } else {
            process.executableURL = URL(fileURLWithPath: python)
            process.arguments = Array(command.dropFirst())
        }
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        // print-pdf.py keeps its own deadline; this is the backstop should Python itself hang.
        let seconds = settings.timeoutSeconds
        let backstop = Task {
            try await Task.sleep(for: .seconds(seconds + 15))
            process.terminate()
        }
        defer { backstop.cancel() }
        try await withCheckedThrowingContinuation { (done: CheckedContinuation<Void, any Error>) in
            process.terminationHandler = { _ in done.resume() }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                done.resume(throwing: PrinterUnavailable(message: "could not start python3 to print the PDF (\(error)): try again, or tell the administrator"))
            }
        }
        let said = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        guard process.terminationStatus == 0, let pdf = try? Data(contentsOf: output), !pdf.isEmpty else {
            throw PrinterUnavailable(message: "Chromium could not print the report (\(said.suffix(300).trimmingCharacters(in: .whitespacesAndNewlines))): try again, or download the HTML and print it from a browser")
        }
        return pdf
    }

    /// The path of `command`: itself when it holds a slash and is executable, else the first executable on PATH.
    static func executable(_ command: String) -> String? {
        if command.contains("/") { return FileManager.default.isExecutableFile(atPath: command) ? command : nil }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(command)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}
