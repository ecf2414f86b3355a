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
    static func decode<T: Decodable>(_ type: T.Type, from request: Request, limit: Int) async throws -> T {
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw APIError.payloadTooLarge(limit: limit)
        }
        guard buffer.readableBytes > 0 else { throw APIError.invalidJSON("the body is empty") }
        let data = Data(buffer.readableBytesView)
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
