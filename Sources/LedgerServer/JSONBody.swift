import Foundation
import Hummingbird
import NIOCore

/// Reading request bodies within a size limit and writing JSON answers.
enum JSONBody {
    /// A single write: 16 KiB.
    static let singleLimit = 16 * 1024
    /// A batch: 1 MiB.
    static let batchLimit = 1024 * 1024

    /// Collects at most `limit` bytes and decodes them; too large is 413, malformed is 400 `invalid_json`,
    /// a missing or mistyped field is 400 `validation_failed` naming the field.
    /// A body with a Content-Type other than JSON is 415; one without a Content-Type is read as JSON (curl -d with
    /// its default form type is not). A key twice in one object is 400 `invalid_json` naming it; a NUL character in
    /// a string is 400 `validation_failed` naming its field.
    static func decode<T: Decodable>(_ type: T.Type, from request: Request, limit: Int) async throws -> T {
        if let contentType = request.headers[.contentType], !isJSON(contentType) {
            throw APIError.unsupportedMediaType(String(contentType.prefix(100)))
        }
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw APIError.payloadTooLarge(limit: limit)
        }
        guard buffer.readableBytes > 0 else { throw APIError.invalidJSON("the body is empty") }
        let data = Data(buffer.readableBytesView)
        switch scan(data) {
        case .duplicateKey(let key):
            throw APIError.invalidJSON("the key \"\(key.prefix(64))\" appears twice in one object")
        case .nul(let field):
            throw APIError.validation("\(field.map { String($0.prefix(64)) } ?? "a string") must not contain the NUL character (\\u0000)", field: field)
        case nil:
            break
        }
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch DecodingError.dataCorrupted(let context) where context.codingPath.isEmpty {
            // Foundation reports a number that does not fit its field (1.5 for an integer) as invalid JSON.
            if let object = try? JSONSerialization.jsonObject(with: data) {
                let field = (object as? [String: Any])?.first { _, value in
                    (value as? NSNumber)?.stringValue.contains { ".eE".contains($0) } ?? false
                }?.key
                throw APIError.validation("\(field ?? "a number") must be a whole number within range: amounts are whole fen", field: field)
            }
            throw apiError(for: DecodingError.dataCorrupted(context))
        } catch let error as DecodingError {
            throw apiError(for: error)
        }
    }

    /// `application/json`, with no parameter but `charset=utf-8` (any case, spaces allowed).
    static func isJSON(_ contentType: String) -> Bool {
        let parts = contentType.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard parts.first == "application/json" else { return false }
        return parts.dropFirst().allSatisfy { $0.isEmpty || ["charset=utf-8", "charset=\"utf-8\"", "charset=utf8"].contains($0.replacingOccurrences(of: " ", with: "")) }
    }

    /// Deeper nesting is left to JSONDecoder, which refuses it; the scan keeps one set of keys per open object.
    static let scanDepth = 512

    /// What the one-pass scan of a body finds that JSONDecoder lets through.
    enum ScanFinding: Equatable {
        /// A key that appears twice in one object, unescaped.
        case duplicateKey(String)
        /// A string with the NUL character (`\u0000`), which PostgreSQL cannot store in text, under this key.
        case nul(field: String?)
    }

    /// The first duplicate key or NUL character of `json`, or nil. One pass over the bytes, no recursion; only
    /// meaningful for valid JSON (anything else is refused by the decoder after it).
    static func scan(_ json: Data) -> ScanFinding? {
        // One entry per open container: the keys seen so far of an object, nil for an array.
        var open: [Set<Data>?] = []
        var expectingKey = false
        var lastKey: Data?
        var index = json.startIndex
        while index < json.endIndex {
            switch json[index] {
            case UInt8(ascii: "{"):
                guard open.count < scanDepth else { return nil }
                open.append(Set<Data>())
                expectingKey = true
            case UInt8(ascii: "["):
                guard open.count < scanDepth else { return nil }
                open.append(nil)
                expectingKey = false
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                _ = open.popLast()
                expectingKey = false
            case UInt8(ascii: ","):
                expectingKey = open.last.map { $0 != nil } ?? false
            case UInt8(ascii: "\""):
                let start = index
                var escaped = false
                var hasNUL = false
                index += 1
                while index < json.endIndex {
                    let byte = json[index]
                    if escaped {
                        escaped = false
                        if byte == UInt8(ascii: "u"), json[index...].prefix(5).elementsEqual("u0000".utf8) { hasNUL = true }
                    } else if byte == UInt8(ascii: "\\") {
                        escaped = true
                    } else if byte == UInt8(ascii: "\"") {
                        break
                    }
                    index += 1
                }
                guard index < json.endIndex else { return nil }
                let literal = json[start...index]
                // "a" and "\u0061" are the same key.
                let text = literal.contains(UInt8(ascii: "\\"))
                    ? (try? JSONDecoder().decode(String.self, from: literal)).map { Data($0.utf8) } ?? Data(literal)
                    : Data(literal.dropFirst().dropLast())
                let isKey = expectingKey && open.last != nil && open.last! != nil
                if isKey { lastKey = text }
                if hasNUL { return .nul(field: lastKey.map { String(decoding: $0, as: UTF8.self) }) }
                guard isKey, var keys = open.last ?? nil else { break }
                expectingKey = false
                open[open.count - 1] = nil
                guard keys.insert(text).inserted else { return .duplicateKey(String(decoding: text, as: UTF8.self)) }
                open[open.count - 1] = keys
            default:
                break
            }
            index += 1
        }
        return nil
    }

    static func apiError(for error: DecodingError, relativeTo base: Int = 0) -> APIError {
        let error = error.droppingPath(base)
        switch error {
        case .dataCorrupted(let context) where context.codingPath.isEmpty:
            return .invalidJSON(context.underlyingError.map { "\($0)" } ?? context.debugDescription)
        case .dataCorrupted(let context):
            return .validation("\(fieldName(context.codingPath)) has a value that does not fit: \(context.debugDescription)", field: fieldName(context.codingPath))
        case .keyNotFound(let key, let context):
            let field = fieldName(context.codingPath + [key])
            return .validation("\(field) is required", field: field)
        case .valueNotFound(_, let context):
            let field = fieldName(context.codingPath)
            return .validation("\(field) must not be null", field: field)
        case .typeMismatch(let type, let context) where context.codingPath.isEmpty:
            return .validation("the body must be a JSON object, not \(jsonKind(of: type))", field: nil)
        case .typeMismatch(let type, let context):
            let field = fieldName(context.codingPath)
            return .validation("\(field) must be \(jsonKind(of: type))", field: field)
        @unknown default:
            return .invalidJSON("unreadable")
        }
    }

    /// `meals[3].gross_fen` for a nested path.
    static func fieldName(_ path: [any CodingKey]) -> String {
        var name = ""
        for key in path {
            if let index = key.intValue {
                name += "[\(index)]"
            } else {
                name += name.isEmpty ? key.stringValue : "." + key.stringValue
            }
        }
        return name
    }

    private static func jsonKind(of type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int64.Type, is Int.Type, is Int32.Type: "an integer"
        case is Bool.Type: "true or false"
        case is [Any].Type: "an array"
        default: "an object"
        }
    }

    /// A JSON answer.
    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        let data = try JSONEncoder.api.encode(value)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

extension JSONEncoder {
    /// Keys in a stable order, so that a replay's answer is byte for byte the original one.
    static var api: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}

extension DecodingError {
    /// The same error with the first `count` keys of its path removed: a batch item's fields are named as in a single call.
    func droppingPath(_ count: Int) -> DecodingError {
        guard count > 0 else { return self }
        func trim(_ context: Context) -> Context {
            Context(codingPath: Array(context.codingPath.dropFirst(count)), debugDescription: context.debugDescription,
                    underlyingError: context.underlyingError)
        }
        switch self {
        case .dataCorrupted(let context): return .dataCorrupted(trim(context))
        case .keyNotFound(let key, let context): return .keyNotFound(key, trim(context))
        case .valueNotFound(let type, let context): return .valueNotFound(type, trim(context))
        case .typeMismatch(let type, let context): return .typeMismatch(type, trim(context))
        @unknown default: return self
        }
    }
}
