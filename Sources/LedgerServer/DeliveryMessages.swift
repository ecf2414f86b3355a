import Foundation
import LedgerCore
import LedgerStore

/// The body of `POST /v1/deliveries`, as sent.
struct DeliveryBody: Decodable {
    let id: String
    let cardNo: String
    let scheduledFor: String
    let meal: String
    let mealId: String?

    enum CodingKeys: String, CodingKey {
        case id, meal
        case cardNo = "card_no"
        case scheduledFor = "scheduled_for"
        case mealId = "meal_id"
    }

    /// The request with every field checked; the first bad field is reported.
    func validated() throws -> DeliveryRequest {
        DeliveryRequest(
            id: try UUIDField.parse(id, field: "id"),
            cardNumber: try Field.checked("card_no") { try CardNumber(cardNo) },
            scheduledFor: try Field.checked("scheduled_for") { try LocalDate(parsing: scheduledFor) },
            meal: try Field.vocabulary(MealKind.self, meal, field: "meal"),
            mealID: try mealId.map { try UUIDField.parse($0, field: "meal_id") })
    }
}

/// The body of `POST /v1/deliveries/{id}/events`, as sent.
struct DeliveryEventBody: Decodable {
    let id: String
    let status: String
    let at: String
    let wellness: String?
    let note: String?
    let certification: CertificationBody?

    /// `"certification": {"method": "home_visit"}`: the courier saw the holder in person.
    struct CertificationBody: Decodable {
        let method: String
    }

    /// The longest note kept.
    static let noteLimit = 500

    /// The request with every field checked; whether the move and the wellness observation fit the delivery's
    /// life cycle is the ledger's to judge.
    func validated(deliveryID: UUID) throws -> DeliveryEventRequest {
        let note = try note.map { note in try Field.checked("note") { try FreeText.checked(note, length: 0...Self.noteLimit) } }
        return DeliveryEventRequest(
            id: try UUIDField.parse(id, field: "id"), deliveryID: deliveryID,
            status: try Field.vocabulary(DeliveryStatus.self, status, field: "status"),
            at: try Field.checked("at") { try RFC3339.parse(at) },
            wellness: try wellness.map { try Field.vocabulary(Wellness.self, $0, field: "wellness") },
            note: note?.isEmpty == false ? note : nil,
            certification: try certification.map { certification in
                guard certification.method == CertificationMethod.homeVisit.rawValue else {
                    throw APIError.validation("certification.method must be home_visit: a terminal certifies only by a home visit; '\(certification.method)' is not", field: "certification")
                }
                return CertificationMethod.homeVisit
            })
    }
}

/// A delivery as the API answers it. Every key is always present; `meal_id`, `wellness`, `note` and
/// `standing_order_id` are null when they have no value.
struct DeliveryResponse: Encodable {
    let id: String
    let restaurant: String
    let cardNo: String
    let scheduledFor: String
    let meal: String
    let mealId: String?
    let status: String
    let wellness: String?
    let note: String?
    let standingOrderId: Int64?
    let updatedAt: String

    enum CodingKeys: String, CodingKey {
        case id, restaurant, meal, status, wellness, note
        case cardNo = "card_no"
        case scheduledFor = "scheduled_for"
        case mealId = "meal_id"
        case standingOrderId = "standing_order_id"
        case updatedAt = "updated_at"
    }

    init(_ delivery: Delivery, timeZone: TimeZone) {
        id = delivery.id.uuidString.lowercased()
        restaurant = delivery.restaurantCode
        cardNo = delivery.cardNumber
        scheduledFor = delivery.scheduledFor.description
        meal = delivery.meal.rawValue
        mealId = delivery.mealID?.uuidString.lowercased()
        status = delivery.status.rawValue
        wellness = delivery.wellness?.rawValue
        note = delivery.note
        standingOrderId = delivery.standingOrderID
        updatedAt = RFC3339.format(delivery.updatedAt, in: timeZone)
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(restaurant, forKey: .restaurant)
        try container.encode(cardNo, forKey: .cardNo)
        try container.encode(scheduledFor, forKey: .scheduledFor)
        try container.encode(meal, forKey: .meal)
        try container.encode(mealId, forKey: .mealId)
        try container.encode(status, forKey: .status)
        try container.encode(wellness, forKey: .wellness)
        try container.encode(note, forKey: .note)
        try container.encode(standingOrderId, forKey: .standingOrderId)
        try container.encode(updatedAt, forKey: .updatedAt)
    }
}

/// `GET /v1/deliveries?date=`.
struct DeliveryListResponse: Encodable {
    let deliveries: [Item]

    /// A delivery as `DeliveryResponse` answers it, and `certification_due`: the recipient's survival certification
    /// due date when they are asked to certify on the delivery's day (the courier should certify them), else null.
    struct Item: Encodable {
        let delivery: DeliveryResponse
        let certificationDue: String?

        enum CodingKeys: String, CodingKey {
            case certificationDue = "certification_due"
        }

        func encode(to encoder: any Encoder) throws {
            try delivery.encode(to: encoder)
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(certificationDue, forKey: .certificationDue)
        }
    }
}

/// Checks of single request fields that report the field by name.
enum Field {
    /// What `parse` returns; a `DomainError` it throws becomes 400 `validation_failed` naming `field`.
    static func checked<T>(_ field: String, _ parse: () throws -> T) throws -> T {
        do {
            return try parse()
        } catch let error as DomainError {
            throw APIError.validation(error.description, field: field)
        }
    }

    /// A word of the API's vocabulary (`lunch`, `delivered`, `not_home`, …); anything else is 400
    /// `validation_failed` listing the words allowed.
    static func vocabulary<T: RawRepresentable & CaseIterable>(
        _ type: T.Type, _ text: String, field: String
    ) throws -> T where T.RawValue == String {
        guard let value = T(rawValue: text) else {
            throw APIError.validation("\(field) must be one of \(T.allCases.map(\.rawValue).joined(separator: ", ")); '\(text)' is not", field: field)
        }
        return value
    }
}
