import Foundation
import TestSupport
import Testing

/// `ledgerctl staff totp enroll|remove`: a staff login's one-time code secret, kept by the owner (sql/0022).
@Suite("ledgerctl staff totp")
struct StaffTOTPCommandTests {
    @Test("enroll prints the otpauth URI and the base32 secret once and stores it; enrolling again replaces it; remove deletes it")
    func enrollAndRemove() throws {
        try ScratchDatabase.withScratch(migrated: true) { scratch in
            let owner = { (arguments: String...) in
                try Executables.run("ledgerctl", arguments, environment: ["DATABASE_URL": scratch.url])
            }
            let login = "approver_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(10).lowercased()
            defer { _ = try? Executables.sql("DROP OWNED BY \(login); DROP ROLE IF EXISTS \(login)", databaseURL: scratch.url) }
            let added = try owner("staff", "add", "--login", login, "--name", "审核员", "--role", "approver")
            #expect(added.status == 0, "\(added.output)")

            let enrolled = try owner("staff", "totp", "enroll", login)
            #expect(enrolled.status == 0, "\(enrolled.output)")
            let uri = try #require(enrolled.stdout.firstMatch(of: /otpauth:\/\/totp\/[^\s]+/)).0
            let base32 = try #require(enrolled.stdout.firstMatch(of: /secret \(base32\): ([A-Z2-7]+)/)).1
            #expect(uri.contains("secret=\(base32)") && uri.contains(login) && uri.contains("issuer=ledger"), "\(uri)")
            let stored = try Executables.sql("SELECT secret FROM ledger.staff_totp WHERE login = '\(login)'", databaseURL: scratch.url)
            #expect(stored.count == 32)
            #expect(Self.base32(stored) == String(base32))

            let again = try owner("staff", "totp", "enroll", login)
            #expect(again.status == 0)
            let replaced = try Executables.sql("SELECT secret FROM ledger.staff_totp WHERE login = '\(login)'", databaseURL: scratch.url)
            #expect(replaced.count == 32 && replaced != stored)

            let removed = try owner("staff", "totp", "remove", login)
            #expect(removed.status == 0 && removed.stdout.contains("removed"), "\(removed.output)")
            let left = try Executables.sql("SELECT count(*) FROM ledger.staff_totp", databaseURL: scratch.url)
            #expect(left == "0")
            let twice = try owner("staff", "totp", "remove", login)
            #expect(twice.status == 1 && twice.stderr.contains("no one-time code secret enrolled"), "\(twice.output)")
        }
    }

    @Test("enroll refuses a login that is not staff, and anyone but the owner; the secret is the owner's to read")
    func refusals() throws {
        try ScratchDatabase.withScratch(migrated: true) { scratch in
            let stranger = try Executables.run("ledgerctl", ["staff", "totp", "enroll", "nobody_here"], environment: ["DATABASE_URL": scratch.url])
            #expect(stranger.status == 1 && stranger.stderr.contains("not a staff member"), "\(stranger.output)")
            try scratch.withLogin(grantedRole: "ledger_approver") { approverURL in
                let approver = try Executables.run("ledgerctl", ["staff", "totp", "enroll", "nobody_here"], environment: ["DATABASE_URL": approverURL])
                #expect(approver.status == 1 && approver.stderr.contains("only the ledger's owner"), "\(approver.output)")
                let read = try Executables.run("ledgerctl", ["staff", "totp", "remove", "nobody_here"], environment: ["DATABASE_URL": approverURL])
                #expect(read.status == 1 && read.stderr.contains("only the ledger's owner"), "\(read.output)")
            }
        }
    }

    /// RFC 4648 base32 without padding, as authenticator apps take a secret.
    static func base32(_ text: String) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        var bits = 0, value = 0, output = ""
        for byte in text.utf8 {
            value = (value << 8) | Int(byte)
            bits += 8
            while bits >= 5 {
                output.append(alphabet[(value >> (bits - 5)) & 31])
                bits -= 5
            }
        }
        if bits > 0 { output.append(alphabet[(value << (5 - bits)) & 31]) }
        return output
    }
}
