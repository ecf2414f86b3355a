import CLibPQ

extension PostgresConnection {
    /// The SCRAM-SHA-256 verifier of `password` for the login `user`, computed here by libpq
    /// (`PQencryptPasswordConn`), so that `CREATE ROLE … PASSWORD` or `ALTER ROLE … PASSWORD` can carry it as a bound
    /// value and the password itself never reaches the server, its logs or `pg_stat_statements`.
    public func scramVerifier(password: String, user: String) throws -> String {
        try checkNoNUL(password)
        try checkNoNUL(user)
        return try withHandle { conn in
            guard let encrypted = PQencryptPasswordConn(conn, password, user, "scram-sha-256") else {
                throw Self.connectionError(conn, fallback: "libpq could not compute the password's SCRAM verifier")
            }
            defer { PQfreemem(encrypted) }
            return String(cString: encrypted)
        }
    }
}
