public import Foundation
import HummingbirdOTP
public import Postgres

/// A staff login's TOTP secret as enrolled: the `otpauth://` URI an authenticator app reads (as a QR code or typed
/// in), and the same secret in base32 for apps that take it typed.
public struct TOTPEnrollment: Sendable {
    public let uri: String
    public let base32Secret: String
}

/// Why a one-time code was not accepted; `message` says why and what to do.
public enum TOTPRefusal: Error, Sendable, Equatable {
    /// The login has no secret enrolled.
    case notEnrolled
    /// The code is not the login's code for now, the step before or the step after.
    case wrongCode
    /// The code (its time step, or an earlier one) was accepted already.
    case codeReused

    public var message: String {
        switch self {
        case .notEnrolled:
            "no one-time code is enrolled for your login: ask the ledger's owner to enroll you (ledgerctl staff totp enroll LOGIN)"
        case .wrongCode:
            "the one-time code is wrong or has expired: enter the code your authenticator shows now"
        case .codeReused:
            "this one-time code was used already: wait for the next code and enter it"
        }
    }
}

/// One-time codes (TOTP: 6 digits, 30-second steps, HMAC-SHA1, as authenticator apps make them) as a second factor
/// for approving a close in the console. The owner enrolls a secret per staff login (sql/0022, readable by the owner
/// only); a signed-in login reads only its own secret, checks a code with hummingbird-auth's OTP, and records the
/// code's step as used so that it cannot be replayed.
public enum StaffTOTP {
    /// The length of a time step.
    static let stepSeconds = 30
    /// The issuer an authenticator app shows beside the login.
    static let issuer = "ledger"

    private struct SecretRow: PostgresRowDecodable {
        let secret: String
        let lastStep: Int64?
        init(_ row: PostgresRow) throws {
            secret = try row.decode("secret")
            lastStep = try row.decode("last_step", as: Int64?.self)
        }
    }

    /// Enrolls a new secret for a staff login, replacing any earlier one (whose codes then stop working). Only the
    /// ledger's owner may; the login must be staff (`ledgerctl staff add`).
    public static func enroll(login: String, on db: PostgresConnection) throws -> TOTPEnrollment {
        let secret = newSecret()
        do {
            _ = try db.query("""
                INSERT INTO ledger.staff_totp (login, secret) VALUES (\(login), \(secret))
                ON CONFLICT (login) DO UPDATE SET secret = EXCLUDED.secret, last_step = NULL, enrolled_at = now(),
                                                  enrolled_by = session_user
                """)
        } catch let error as PostgresError where error.sqlState == "42501" {
            throw LedgerRefusal.refusedByRule("only the ledger's owner enrolls one-time code secrets: run this as the owner (DATABASE_URL)")
        } catch let error as PostgresError where error.sqlState == "23503" {
            throw LedgerRefusal.refusedByRule("\(login) is not a staff member: add them first with ledgerctl staff add")
        }
        let uri = TOTP(secret: secret).createAuthenticatorURL(label: "\(issuer):\(login)", issuer: issuer)
        let base32 = URLComponents(string: uri)?.queryItems?.first { $0.name == "secret" }?.value ?? ""
        return TOTPEnrollment(uri: uri, base32Secret: base32)
    }

    /// Removes a staff login's secret; refused when it has none. Only the ledger's owner may.
    public static func remove(login: String, on db: PostgresConnection) throws {
        let removed: Int
        do {
            removed = try db.query("DELETE FROM ledger.staff_totp WHERE login = \(login) RETURNING login").count
        } catch let error as PostgresError where error.sqlState == "42501" {
            throw LedgerRefusal.refusedByRule("only the ledger's owner removes one-time code secrets: run this as the owner (DATABASE_URL)")
        }
        guard removed == 1 else {
            throw LedgerRefusal.refusedByRule("\(login) has no one-time code secret enrolled; nothing was removed")
        }
    }

    /// Accepts `code` for the session's own login at `now`, the step before or the step after (a clock a little off),
    /// once: the code's step is recorded, and that step or an earlier one is refused from then on.
    /// Throws `TOTPRefusal` when the login has no secret, the code is wrong, or it was used already.
    public static func verify(code: String, at now: Date, on db: PostgresConnection) throws {
        guard let own = try db.query("SELECT secret, last_step FROM ledger.own_totp_secret()").first(SecretRow.self) else {
            throw TOTPRefusal.notEnrolled
        }
        let digits = code.filter { !$0.isWhitespace }
        let step = Int64((now.timeIntervalSince1970 / Double(stepSeconds)).rounded(.down))
        let totp = TOTP(secret: own.secret, timeStep: stepSeconds)
        guard digits.count == 6, digits.allSatisfy(\.isASCII), let number = Int(digits),
              let offset = [0, -1, 1].first(where: { totp.compute(date: now.addingTimeInterval(Double($0 * stepSeconds))) == number })
        else {
            throw TOTPRefusal.wrongCode
        }
        let matched = step + Int64(offset)
        if let last = own.lastStep, matched <= last { throw TOTPRefusal.codeReused }
        guard try db.query("SELECT ledger.accept_totp_step(\(matched)) AS accepted").single().decode("accepted", as: Bool.self) else {
            throw TOTPRefusal.codeReused
        }
    }

    /// 32 letters and digits from the system's secure random source (about 190 bits): the key of the HMAC, as
    /// hummingbird-auth's OTP takes it.
    static func newSecret() -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<32).map { _ in alphabet.randomElement(using: &generator)! })
    }
}
