import Foundation
import HTTPTypes
import LedgerCore
import LedgerStore

/// The body of `POST /v1/meals` and of each item of a batch, as sent.
struct MealBody: Decodable {
    let id: String
    let cardNo: String
    let credential: String?
    let occurredAt: String
    let grossFen: Int64
    let payableFen: Int64?

    enum CodingKeys: String, CodingKey {
        case id, credential
        case cardNo = "card_no"
        case occurredAt = "occurred_at"
        case grossFen = "gross_fen"
        case payableFen = "payable_fen"
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        cardNo = try container.decode(String.self, forKey: .cardNo)
        credential = try container.decodeIfPresent(String.self, forKey: .credential)
        occurredAt = try container.decode(String.self, forKey: .occurredAt)
        grossFen = try container.decodeWholeNumber(forKey: .grossFen)
        payableFen = try container.contains(.payableFen) && !container.decodeNil(forKey: .payableFen)
            ? container.decodeWholeNumber(forKey: .payableFen) : nil
    }

    /// The request with every field checked; the first bad field is reported.
    func validated() throws -> MealRequest {
        let id = try UUIDField.parse(id, field: "id")
        let cardNumber: CardNumber
        do {
            cardNumber = try CardNumber(cardNo)
        } catch let error as DomainError {
            throw APIError.validation(error.description, field: "card_no")
        }
        let credential: Credential
        if let given = self.credential {
            guard let known = Credential(rawValue: given) else {
                throw APIError.validation("credential must be preferential_card or military_id", field: "credential")
            }
            credential = known
        } else {
            credential = .preferentialCard
        }
        let occurredAt: Date
        do {
            occurredAt = try RFC3339.parse(self.occurredAt)
        } catch let error as DomainError {
            throw APIError.validation(error.description, field: "occurred_at")
        }
        guard Pricing.grossRange.contains(grossFen) else {
            throw APIError.validation(DomainError.grossOutOfRange(gross: grossFen).description, field: "gross_fen")
        }
        if let payableFen, payableFen < 0 || payableFen > grossFen {
            throw APIError.validation("payable_fen must be from 0 to gross_fen", field: "payable_fen")
        }
        return MealRequest(id: id, cardNumber: cardNumber, credential: credential, occurredAt: occurredAt,
                           gross: grossFen, claimedPayable: payableFen)
    }
}

/// A recorded meal as the API answers it.
struct MealResponse: Encodable {
    let id: String
    let restaurant: String
    let cardNo: String
    let credential: String
    let occurredAt: String
    let grossFen: Int64
    let rateBp: Int32
    let payableFen: Int64
    let discountFen: Int64
    let period: String
    let late: Bool

    enum CodingKeys: String, CodingKey {
        case id, restaurant, credential, period, late
        case cardNo = "card_no"
        case occurredAt = "occurred_at"
        case grossFen = "gross_fen"
        case rateBp = "rate_bp"
        case payableFen = "payable_fen"
        case discountFen = "discount_fen"
    }

    init(_ meal: Meal, timeZone: TimeZone) {
        id = meal.id.uuidString.lowercased()
        restaurant = meal.restaurantCode
        cardNo = meal.cardNumber
        credential = meal.credential.rawValue
        occurredAt = RFC3339.format(meal.occurredAt, in: timeZone)
        grossFen = meal.gross
        rateBp = meal.rateBasisPoints
        payableFen = meal.payable
        discountFen = meal.discount
        period = meal.period.description
        late = meal.late
    }
}

/// The body of `POST /v1/meals/{id}/void`.
struct VoidBody: Decodable {
    let id: String
    let reason: String

    func validated(mealID: UUID) throws -> VoidRequest {
        let id = try UUIDField.parse(id, field: "id")
        let reason = try Field.checked("reason") { try FreeText.checked(self.reason, length: 1...500) }
        return VoidRequest(id: id, mealID: mealID, reason: reason)
    }
}

/// A recorded void as the API answers it.
struct VoidResponse: Encodable {
    let id: String
    let mealId: String
    let restaurant: String
    let reason: String
    let recordedAt: String
    let period: String
    let late: Bool

    enum CodingKeys: String, CodingKey {
        case id, restaurant, reason, period, late
        case mealId = "meal_id"
        case recordedAt = "recorded_at"
    }

    init(_ entry: VoidEntry, timeZone: TimeZone) {
        id = entry.id.uuidString.lowercased()
        mealId = entry.mealID.uuidString.lowercased()
        restaurant = entry.restaurantCode
        reason = entry.reason
        recordedAt = RFC3339.format(entry.recordedAt, in: timeZone)
        period = entry.period.description
        late = entry.late
    }
}

/// `GET /v1/cards/{card_no}`.
struct CardCheckResponse: Encodable {
    let cardNo: String
    let category: String
    let status: String
    let eligible: Bool
    let reason: String?
    let message: String?
    let rateBp: Int32
    let deliveryEligible: Bool
    let mealsToday: Int
    let dailyLimit: Int
    /// Always present: the due date of a delivery-eligible holder's next survival certification, else null.
    let certificationDue: String?

    enum CodingKeys: String, CodingKey {
        case category, status, eligible, reason, message
        case cardNo = "card_no"
        case rateBp = "rate_bp"
        case deliveryEligible = "delivery_eligible"
        case mealsToday = "meals_today"
        case dailyLimit = "daily_limit"
        case certificationDue = "certification_due"
    }

    init(_ check: CardCheck, rate: Int32) {
        cardNo = check.card.number.value
        category = check.card.category.rawValue
        status = check.card.status.rawValue
        eligible = check.refusal == nil
        reason = check.refusal.map { APIError.answer(to: $0).code }
        message = check.refusal?.message
        rateBp = rate
        deliveryEligible = check.deliveryEligible
        mealsToday = check.mealsToday
        dailyLimit = check.dailyLimit
        certificationDue = check.certificationDue?.description
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(cardNo, forKey: .cardNo)
        try container.encode(category, forKey: .category)
        try container.encode(status, forKey: .status)
        try container.encode(eligible, forKey: .eligible)
        try container.encodeIfPresent(reason, forKey: .reason)
        try container.encodeIfPresent(message, forKey: .message)
        try container.encode(rateBp, forKey: .rateBp)
        try container.encode(deliveryEligible, forKey: .deliveryEligible)
        try container.encode(mealsToday, forKey: .mealsToday)
        try container.encode(dailyLimit, forKey: .dailyLimit)
        try container.encode(certificationDue, forKey: .certificationDue)
    }
}

/// `POST /v1/meals/batch`: each item is decoded alone, so one bad item does not spoil the others.
struct BatchBody: Decodable {
    let meals: [Item]

    /// One item: its `id` when readable, and the meal or the reason it could not be read.
    struct Item: Decodable {
        let id: String?
        let meal: Result<MealBody, APIError>

        private struct IDOnly: Decodable { let id: String? }

        init(from decoder: any Decoder) throws {
            id = (try? IDOnly(from: decoder))?.id
            do {
                meal = .success(try MealBody(from: decoder))
            } catch let error as DecodingError {
                meal = .failure(JSONBody.apiError(for: error, relativeTo: decoder.codingPath.count))
            }
        }
    }
}

/// One result of a batch, in input order: the status the single call would have answered, and its body.
struct BatchResult: Encodable {
    let id: String?
    let status: Int
    let meal: MealResponse?
    let error: String?
    let message: String?
    let field: String?

    init(id: String?, status: Int, meal: MealResponse) {
        self.id = id
        self.status = status
        self.meal = meal
        (error, message, field) = (nil, nil, nil)
    }

    init(id: String?, error: APIError) {
        self.id = id
        self.status = Int(error.status.code)
        self.meal = nil
        self.error = error.code
        self.message = error.message
        self.field = error.field
    }
}

struct BatchResponse: Encodable {
    let results: [BatchResult]
}

extension KeyedDecodingContainer {
    /// An integer field; a fraction or an out-of-range number is reported as a type mismatch of that field,
    /// whatever path the JSON decoder itself gives.
    func decodeWholeNumber(forKey key: Key) throws -> Int64 {
        do {
            return try decode(Int64.self, forKey: key)
        } catch DecodingError.dataCorrupted(let context) {
            throw DecodingError.typeMismatch(Int64.self, .init(codingPath: codingPath + [key], debugDescription: context.debugDescription))
        }
    }
}

enum UUIDField {
    static func parse(_ text: String, field: String) throws -> UUID {
        guard let uuid = UUID(uuidString: text) else {
            throw APIError.validation("\(field) must be a UUID chosen by the terminal, such as 7d444840-9dc0-11d1-b245-5ffdce74fad2", field: field)
        }
        return uuid
    }
}
