import Foundation
import LedgerCore
public import Postgres

/// What a delivery request is judged on: the delivery already stored under its id, the card, and whether the meal it
/// names is one of this restaurant's.
struct DeliveryRequestContext: PostgresRowDecodable {
    let existingRestaurantID: Int64?
    let existingMatches: Bool
    /// The card's registry columns; nil when the registry has no such card.
    let card: CardColumns?
    let mealFound: Bool

    init(_ row: PostgresRow) throws {
        existingRestaurantID = try row.decode("existing_restaurant_id", as: Int64?.self)
        existingMatches = try row.decode("existing_matches", as: Bool.self)
        card = try row.decode("card_found", as: Bool.self) ? try CardColumns(row) : nil
        mealFound = try row.decode("meal_found", as: Bool.self)
    }
}

/// A delivery locked for an event: its status and card.
struct LockedDelivery: PostgresRowDecodable {
    let status: DeliveryStatus
    let cardNumber: String

    init(_ row: PostgresRow) throws {
        status = try decodeEnum(DeliveryStatus.self, row, "status")
        cardNumber = try row.decode("card_no", as: String.self)
    }
}

/// The event already stored under an event request's id: its delivery, whether it came from the same request, and
/// the delivery's restaurant.
struct ExistingDeliveryEvent: PostgresRowDecodable {
    let deliveryID: UUID
    let matches: Bool
    let restaurantID: Int64

    init(_ row: PostgresRow) throws {
        deliveryID = try row.decode("delivery_id", as: UUID.self)
        matches = try row.decode("matches", as: Bool.self)
        restaurantID = try row.decode("restaurant_id", as: Int64.self)
    }
}

extension Delivery: PostgresRowDecodable {
    /// From the columns of `Deliveries.Snapshot.columns`.
    public init(_ row: PostgresRow) throws {
        self.init(
            id: try row.decode("id", as: UUID.self), restaurantCode: try row.decode("code", as: String.self),
            cardNumber: try row.decode("card_no", as: String.self), scheduledFor: try row.decode("scheduled_for", as: LocalDate.self),
            meal: try decodeEnum(MealKind.self, row, "meal"), mealID: try row.decode("meal_entry_id", as: UUID?.self),
            status: try decodeEnum(DeliveryStatus.self, row, "status"),
            wellness: try row.decode("wellness", as: String?.self).map { try decodeEnum(Wellness.self, $0) },
            note: try row.decode("note", as: String?.self), standingOrderID: try row.decode("standing_order_id", as: Int64?.self),
            updatedAt: try row.decode("updated_at", as: Date.self))
    }
}

extension DeliveryFigures: PostgresRowDecodable {
    /// From the columns code (nil for the total), requested, delivered, failed, cancelled and recipients.
    public init(_ row: PostgresRow) throws {
        self.init(
            restaurantCode: try row.decode("code", as: String?.self), requested: try row.decode("requested", as: Int64.self),
            delivered: try row.decode("delivered", as: Int64.self), failed: try row.decode("failed", as: Int64.self),
            cancelled: try row.decode("cancelled", as: Int64.self), recipients: try row.decode("recipients", as: Int64.self))
    }
}
