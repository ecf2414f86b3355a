import CLibPQ

extension PostgresConnection {
    /// Bulk-loads rows with `COPY … FROM STDIN` in text format and returns the number of rows copied.
    ///
    /// `copyStatement` is trusted, static SQL such as `COPY meal (id, name) FROM STDIN`. Each row has one
    /// value per listed column; `nil` is NULL. Values are escaped for the text format (backslash, tab,
    /// newline, carriage return) and sent in chunks of about 64 KiB. Nothing is committed separately: inside
    /// `transaction` the rows commit with it, otherwise the COPY is its own transaction.
    ///
    /// - Throws: `.server` if the statement or any row is refused (no row is loaded then).
    @discardableResult
    public func copyIn(_ copyStatement: String, rows: some Sequence<[String?]>) throws -> Int {
        try checkNoNUL(copyStatement)
        return try withHandle { conn -> Int in
            try sendPendingBegin(conn)
            let start = copyStatement.withCString { PQexec(conn, $0) }
            guard let start else {
                throw Self.connectionError(conn, fallback: "no result from libpq for COPY")
            }
            let status = PQresultStatus(start)
            guard status == PGRES_COPY_IN else {
                defer { PQclear(start) }
                if status == PGRES_FATAL_ERROR || status == PGRES_NONFATAL_ERROR {
                    throw Self.serverError(start, conn)
                }
                if status == PGRES_COPY_OUT || status == PGRES_COPY_BOTH {
                    Self.abandonCopy(conn, status: status)
                }
                throw PostgresError(
                    kind: .protocolViolation,
                    message: "copyIn needs a COPY … FROM STDIN statement"
                )
            }
            PQclear(start)

            var sendFailure: PostgresError?
            var buffer: [UInt8] = []
            let chunkSize = 64 * 1024
            buffer.reserveCapacity(chunkSize + 4096)

            func flush() -> Bool {
                guard !buffer.isEmpty else { return true }
                let sent = buffer.withUnsafeBytes { bytes in
                    PQputCopyData(conn, bytes.baseAddress?.assumingMemoryBound(to: CChar.self), Int32(bytes.count))
                }
                buffer.removeAll(keepingCapacity: true)
                if sent != 1 {
                    sendFailure = Self.connectionError(conn, fallback: "could not send COPY data")
                    return false
                }
                return true
            }

            for row in rows {
                for (index, value) in row.enumerated() {
                    if index > 0 { buffer.append(UInt8(ascii: "\t")) }
                    guard let value else {
                        buffer.append(UInt8(ascii: "\\"))
                        buffer.append(UInt8(ascii: "N"))
                        continue
                    }
                    for byte in value.utf8 {
                        switch byte {
                        case UInt8(ascii: "\\"): buffer.append(UInt8(ascii: "\\")); buffer.append(UInt8(ascii: "\\"))
                        case UInt8(ascii: "\t"): buffer.append(UInt8(ascii: "\\")); buffer.append(UInt8(ascii: "t"))
                        case UInt8(ascii: "\n"): buffer.append(UInt8(ascii: "\\")); buffer.append(UInt8(ascii: "n"))
                        case UInt8(ascii: "\r"): buffer.append(UInt8(ascii: "\\")); buffer.append(UInt8(ascii: "r"))
                        default: buffer.append(byte)
                        }
                    }
                }
                buffer.append(UInt8(ascii: "\n"))
                if buffer.count >= chunkSize, !flush() { break }
            }
            if sendFailure == nil { _ = flush() }

            // End the COPY: normally, or with an error message so the server discards what it received.
            let ended = sendFailure == nil ? PQputCopyEnd(conn, nil) : PQputCopyEnd(conn, "client failed to send COPY data")
            if ended != 1, sendFailure == nil {
                sendFailure = Self.connectionError(conn, fallback: "could not end COPY")
            }

            var failure: PostgresError?
            var copied = 0
            for _ in 0..<1000 {
                guard let result = PQgetResult(conn) else { break }
                defer { PQclear(result) }
                switch PQresultStatus(result) {
                case PGRES_COMMAND_OK:
                    copied = Self.string(PQcmdTuples(result)).flatMap { Int($0) } ?? 0
                case PGRES_COPY_IN:
                    // libpq is still waiting for data, which can only mean ending failed: try once more.
                    _ = PQputCopyEnd(conn, "client aborted COPY")
                default:
                    if failure == nil { failure = Self.serverError(result, conn) }
                }
            }
            if let failure { throw failure }
            if let sendFailure { throw sendFailure }
            return copied
        }
    }
}
