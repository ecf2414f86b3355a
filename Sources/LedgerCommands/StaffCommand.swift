import ArgumentParser
import Foundation
import LedgerCore
import LedgerStore

extension Ledgerctl {
    /// `ledgerctl staff …`: bureau staff as PostgreSQL logins (clerks prepare a close, approvers approve it).
    struct StaffCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "staff", abstract: "Add, list and disable bureau staff (PostgreSQL logins).",
            discussion: """
                A staff member is a PostgreSQL login granted ledger_clerk (prepares a month's close, follows up alerts) \
                or ledger_approver (approves or rejects a close). Run as the ledger's owner, which needs CREATEROLE.
                """,
            subcommands: [Add.self, List.self, Disable.self, Totp.self])

        struct Add: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Add a staff member, creating their login when it does not exist; run again to add the other role.")
            @Option(help: "The PostgreSQL login: lowercase letters, digits, _ . -, starting with a letter.") var login: String
            @Option(help: "The name the bureau knows them by.") var name: String
            @Option(help: "clerk or approver.") var role: String
            @Flag(help: "Read the login's password from standard input (its first line); only its SCRAM verifier is sent.")
            var passwordStdin = false

            func validate() throws {
                guard StaffRole(rawValue: role) != nil else { throw ValidationError("--role: clerk or approver") }
            }

            func run() throws {
                guard let staffRole = StaffRole(rawValue: role) else { throw ValidationError("--role: clerk or approver") }
                let password = passwordStdin ? try Self.readPassword() : nil
                try CommandSupport.withDatabase { db, _ in
                    try Staff.add(login: login, name: name, role: staffRole, password: password, on: db)
                }
                print("added \(login) (\(name)) as \(role)\(password == nil ? "; no password set: the login can sign in only where pg_hba.conf trusts it" : "")")
            }

            static func readPassword() throws -> String {
                guard let line = readLine(strippingNewline: true), !line.isEmpty else {
                    throw OperatorError("--password-stdin: no password on standard input; send it as the first line")
                }
                return line
            }
        }

        struct List: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List staff members, disabled ones included.")

            func run() throws {
                let members = try CommandSupport.withDatabase { db, _ in try Staff.list(on: db) }
                let utc = TimeZone(identifier: "UTC")!
                print(Table.render(
                    header: ["login", "name", "roles", "added_at", "disabled_at"],
                    rows: members.map { member in
                        [member.login, member.name, member.roles.isEmpty ? "-" : member.roles.map(\.rawValue).joined(separator: ","),
                         RFC3339.format(member.addedAt, in: utc), member.disabledAt.map { RFC3339.format($0, in: utc) } ?? "-"]
                    }))
            }
        }

        struct Disable: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Disable a staff member: no more sign-in, no staff roles, open sessions ended; their records stay.")
            @Option(help: "The staff member's login.") var login: String

            func run() throws {
                try CommandSupport.withDatabase { db, _ in try Staff.disable(login: login, on: db) }
                print("disabled \(login)")
            }
        }

        struct Totp: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "totp", abstract: "Enroll or remove a staff member's one-time code secret (approving a close in the console).",
                discussion: """
                    Where the console asks for a one-time code to approve a close (LEDGER_CONSOLE_APPROVAL_TOTP=required), \
                    each approver needs a secret in an authenticator app. Run as the ledger's owner.
                    """,
                subcommands: [Enroll.self, Remove.self])

            struct Enroll: ParsableCommand {
                static let configuration = CommandConfiguration(
                    abstract: "Make a new secret for a login (replacing any earlier one) and print it once, as an otpauth:// URI and in base32.")
                @Argument(help: "The staff member's login.") var login: String

                func run() throws {
                    let enrollment = try CommandSupport.withDatabase { db, _ in try StaffTOTP.enroll(login: login, on: db) }
                    print("""
                        enrolled a one-time code secret for \(login); give it to them now, it is not shown again:
                          \(enrollment.uri)
                          secret (base32): \(enrollment.base32Secret)
                        """)
                }
            }

            struct Remove: ParsableCommand {
                static let configuration = CommandConfiguration(
                    abstract: "Remove a login's secret: it can no longer approve where a one-time code is required, until enrolled again.")
                @Argument(help: "The staff member's login.") var login: String

                func run() throws {
                    try CommandSupport.withDatabase { db, _ in try StaffTOTP.remove(login: login, on: db) }
                    print("removed the one-time code secret of \(login)")
                }
            }
        }
    }
}
