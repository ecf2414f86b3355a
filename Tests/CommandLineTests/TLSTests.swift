import Foundation
import Testing

/// A throwaway public key infrastructure made with the openssl CLI in a temporary directory: the bureau's CA, a
/// stranger's CA, and certificates they sign. Removed when released.
final class TestPKI {
    let directory: URL

    init() async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("ledger-pki-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for (name, subject) in [("ca", "/CN=Ledger test CA"), ("stranger", "/CN=Stranger CA")] {
            try await Tool.require([
                "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", path("\(name).key"), "-out", path("\(name).pem"), "-days", "2", "-subj", subject,
            ])
        }
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    func path(_ file: String) -> String { directory.appendingPathComponent(file).path }

    /// Issues `name.pem` and `name.key`, signed by `ca` ("ca" or "stranger"), for a server (127.0.0.1) or a client.
    func issue(_ name: String, serial: Int, by ca: String = "ca", client: Bool = false) async throws {
        let extensions = client
            ? "basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n"
            : "basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n"
        try extensions.write(to: directory.appendingPathComponent("\(name).ext"), atomically: true, encoding: .utf8)
        try await Tool.require([
            "openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", path("\(name).key"), "-out", path("\(name).csr"), "-subj", "/CN=\(name)",
        ])
        try await Tool.require([
            "openssl", "x509", "-req", "-in", path("\(name).csr"), "-CA", path("\(ca).pem"), "-CAkey", path("\(ca).key"),
            "-set_serial", "\(serial)", "-days", "2", "-out", path("\(name).pem"), "-extfile", path("\(name).ext"),
        ])
    }

    /// Copies `name.pem` and `name.key` over `live.pem` and `live.key`, each replaced whole (as certbot's renewal does).
    func install(_ name: String, certificateOnly: Bool = false) throws {
        for suffix in certificateOnly ? ["pem"] : ["pem", "key"] {
            let staged = directory.appendingPathComponent("staged.\(suffix)")
            try? FileManager.default.removeItem(at: staged)
            try FileManager.default.copyItem(at: directory.appendingPathComponent("\(name).\(suffix)"), to: staged)
            _ = rename(staged.path, path("live.\(suffix)"))
        }
    }

    /// The settings of a ledgerd serving `live.pem`, with the client CA when asked.
    func environment(clientCA: Bool = false) -> [String: String] {
        var environment = ["LEDGER_TLS_CERT": path("live.pem"), "LEDGER_TLS_KEY": path("live.key")]
        if clientCA { environment["LEDGER_TLS_CLIENT_CA"] = path("ca.pem") }
        return environment
    }

    /// `curl` over HTTPS trusting the test CA, presenting the client certificate `client` if given; returns the HTTP
    /// status, "000" when there was no HTTP answer.
    func curl(_ port: Int, _ path: String, client: String? = nil, token: String? = nil) async throws -> String {
        var arguments = ["curl", "-sS", "--max-time", "5", "-o", "/dev/null", "-w", "%{http_code}",
                         "--cacert", self.path("ca.pem")]
        if let client { arguments += ["--cert", self.path("\(client).pem"), "--key", self.path("\(client).key")] }
        if let token { arguments += ["-H", "Authorization: Bearer \(token)"] }
        return try await Tool.run(arguments + ["https://127.0.0.1:\(port)\(path)"]).stdout
    }

    /// The serial number of the certificate the server presents now, as `openssl x509 -serial` prints it.
    func presentedSerial(_ port: Int) async throws -> String {
        let handshake = try await Tool.run(["openssl", "s_client", "-connect", "127.0.0.1:\(port)", "-CAfile", path("ca.pem")])
        let certificate = directory.appendingPathComponent("presented-\(UUID().uuidString.prefix(8)).txt")
        try handshake.stdout.write(to: certificate, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: certificate) }
        return try await Tool.run(["openssl", "x509", "-noout", "-serial", "-in", certificate.path]).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

extension ListenerSuites {
    @Suite("HTTPS")
    struct TLSTests {
        @Test("with LEDGER_TLS_CERT and LEDGER_TLS_KEY the API speaks only HTTPS, TLS 1.2 or newer")
        func httpsOnly() async throws {
            let pki = try await TestPKI()
            try await pki.issue("server", serial: 1001)
            try pki.install("server")
            let daemon = try Daemon(environment: pki.environment())
            try await daemon.waitUntilServing { port in (try? await pki.curl(port, "/healthz")) == "200" }
            let port = daemon.port
            #expect(daemon.log.contains("http.scheme=https"))

            let plain = try await Tool.run(["curl", "-sS", "--max-time", "5", "-o", "/dev/null", "-w", "%{http_code}",
                                      "http://127.0.0.1:\(port)/healthz"])
            #expect(plain.stdout == "000", "plain HTTP to the HTTPS port must get no HTTP answer")
            #expect(plain.status != 0)

            let token = try await Tool.run([
                "curl", "-sS", "--max-time", "5", "--cacert", pki.path("ca.pem"), "-H", "Authorization: Bearer \(daemon.token)",
                "https://127.0.0.1:\(port)/v1/cards/\(daemon.card)",
            ])
            #expect(token.stdout.contains(#""card_no":"\#(daemon.card)""#))

            // The client is allowed the old protocols (security level 0), so a refusal is the server's.
            func handshake(_ version: String) async throws -> Tool.Outcome {
                try await Tool.run(["openssl", "s_client", "-connect", "127.0.0.1:\(port)", "-CAfile", pki.path("ca.pem"),
                              version, "-cipher", "DEFAULT@SECLEVEL=0"])
            }
            let tls12 = try await handshake("-tls1_2")
            #expect(tls12.status == 0 && tls12.stdout.contains("TLSv1.2"), "\(tls12.output)")
            for old in ["-tls1_1", "-tls1"] {
                let refused = try await handshake(old)
                #expect(refused.status != 0, "\(old) was accepted: \(refused.output)")
                #expect(refused.output.contains("alert protocol version"), "\(old): \(refused.output)")
            }
            #expect(daemon.stop() == 0)
        }

        @Test("LEDGER_TLS_CLIENT_CA: no client certificate or one from another CA is refused; a good one still needs its token")
        func clientCertificates() async throws {
            let pki = try await TestPKI()
            try await pki.issue("server", serial: 2001)
            try pki.install("server")
            try await pki.issue("till", serial: 2002, client: true)
            try await pki.issue("impostor", serial: 2003, by: "stranger", client: true)
            let daemon = try Daemon(environment: pki.environment(clientCA: true))
            try await daemon.waitUntilServing { port in (try? await pki.curl(port, "/healthz", client: "till")) == "200" }
            let port = daemon.port

            #expect(try await pki.curl(port, "/healthz") == "000")
            #expect(try await pki.curl(port, "/healthz", client: "impostor") == "000")
            #expect(try await pki.curl(port, "/healthz", client: "till") == "200")
            #expect(try await pki.curl(port, "/v1/cards/\(daemon.card)", client: "till") == "401")
            #expect(try await pki.curl(port, "/v1/cards/\(daemon.card)", client: "till", token: daemon.token) == "200")
            #expect(daemon.stop() == 0)
        }

        @Test("SIGHUP re-reads the certificate: new connections get the renewed one; unusable files keep the old one")
        func reloadOnHangup() async throws {
            let pki = try await TestPKI()
            try await pki.issue("server", serial: 1001)
            try await pki.issue("renewed", serial: 1002)
            try await pki.issue("other", serial: 1003)
            try pki.install("server")
            let daemon = try Daemon(environment: pki.environment())
            try await daemon.waitUntilServing { port in (try? await pki.curl(port, "/healthz")) == "200" }
            let port = daemon.port
            #expect(try await pki.presentedSerial(port) == "serial=03E9")

            func hangUp(expecting line: String, occurrence: Int) async throws {
                kill(daemon.process.processIdentifier, SIGHUP)
                let logged = try await Tool.wait(seconds: 10) { daemon.log.components(separatedBy: line).count - 1 >= occurrence }
                #expect(logged, "no '\(line)' in the log after SIGHUP: \(daemon.log)")
            }

            try pki.install("renewed")
            try await hangUp(expecting: "TLS certificate reloaded", occurrence: 1)
            #expect(try await pki.presentedSerial(port) == "serial=03EA")
            #expect(try await pki.curl(port, "/healthz") == "200")

            try "not a certificate\n".write(toFile: pki.path("live.pem"), atomically: true, encoding: .utf8)
            try await hangUp(expecting: "TLS certificate not reloaded", occurrence: 1)
            #expect(daemon.log.contains("LEDGER_TLS_CERT: \(pki.path("live.pem")) holds no PEM certificate"))

            try pki.install("other", certificateOnly: true)  // the renewed key with another certificate
            try await hangUp(expecting: "TLS certificate not reloaded", occurrence: 2)
            #expect(daemon.log.contains("does not belong to the certificate"))
            #expect(try await pki.presentedSerial(port) == "serial=03EA")
            #expect(try await pki.curl(port, "/healthz") == "200")
            #expect(daemon.process.isRunning)
            #expect(daemon.stop() == 0)
        }

        @Test("one of LEDGER_TLS_CERT and LEDGER_TLS_KEY without the other, or an unreadable file, stops ledgerd at start")
        func startupErrors() async throws {
            let pki = try await TestPKI()
            try await pki.issue("server", serial: 1001)
            let onlyCertificate = try Executables.run("ledgerd", [], environment: [
                "DATABASE_URL": LedgerctlTests.nowhere, "LEDGER_TLS_CERT": pki.path("server.pem"),
            ])
            #expect(onlyCertificate.status == 1)
            #expect(onlyCertificate.stderr.split(separator: "\n").count == 1)
            #expect(onlyCertificate.stderr.contains("LEDGER_TLS_CERT") && onlyCertificate.stderr.contains("LEDGER_TLS_KEY"))

            let missing = try Executables.run("ledgerd", [], environment: [
                "DATABASE_URL": LedgerctlTests.nowhere, "LEDGER_TLS_CERT": pki.path("nothing.pem"),
                "LEDGER_TLS_KEY": pki.path("server.key"),
            ])
            #expect(missing.status == 1)
            #expect(missing.stderr.contains("LEDGER_TLS_CERT: cannot read \(pki.path("nothing.pem"))"))
        }
    }
}
