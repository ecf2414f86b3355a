import Foundation
import Postgres

// What every idempotent write of a terminal shares: a fingerprint of the request, hashed with SHA-256 by the
// database and stored beside the row; the same id with another fingerprint is a conflict; and a write that
// lost a race to another with the same id is judged again from the start.

extension PostgresQuery.StringInterpolation {
    /// Appends `sha256(convert_to($n, 'UTF8'))` with `fingerprint` as the bound parameter: the stored hash of
    /// a request's content, which tells a replay from a conflict.
    mutating func appendInterpolation(sha256 fingerprint: String) {
        appendLiteral("sha256(convert_to(")
        appendInterpolation(fingerprint)
        appendLiteral(", 'UTF8'))")
    }
}

/// Another transaction wrote the same id (or voided the same meal) first; the whole request is judged again.
struct RaceLost: Error {}

extension Date {
    /// Whole microseconds since 1970, the precision PostgreSQL keeps.
    var microsecondsSince1970: Int64 { Int64((timeIntervalSince1970 * 1_000_000).rounded()) }
}
