import Foundation
import LedgerCore

let shanghai = TimeZone(identifier: "Asia/Shanghai")!
let utc = TimeZone(identifier: "UTC")!

/// An instant written as RFC 3339 (the parser has its own tests in TimestampTests).
func instant(_ text: String) -> Date {
    try! RFC3339.parse(text)
}

func day(_ text: String) -> LocalDate {
    try! LocalDate(parsing: text)
}

func period(_ text: String) -> Period {
    try! Period(parsing: text)
}
