import Foundation
import Hummingbird
import LedgerCore
import LedgerStore
import Logging

/// The meal routes of the terminal API: card check, meals, voids and offline batches.
struct MealController {
    let ledger: Ledger
    /// The most items a batch may carry.
    static let batchLimit = 1000

    /// `mealWrites` carries `POST /v1/meals` only: its transaction checks the terminal itself.
    func addRoutes(to group: RouterGroup<LedgerRequestContext>, mealWrites: RouterGroup<LedgerRequestContext>) {
        group.get("cards/:card_no", use: checkCard)
        mealWrites.post("meals", use: recordMeal)
        group.post("meals/batch", use: recordBatch)
        group.post("meals/:id/void", use: voidMeal)
    }

    @Sendable func checkCard(_ request: Request, context: LedgerRequestContext) async throws -> Response {
        let terminal = try context.requireTerminal()
        let number: CardNumber
        do {
            number = try CardNumber(context.parameters.get("card_no") ?? "")
        } catch let error as DomainError {
            throw APIError.validation(error.description, field: "card_no")
        }
        let check = try await ledger.checkCard(number, by: terminal)
        return try JSONBody.response(CardCheckResponse(check, rate: terminal.rateBasisPoints))
    }

    @Sendable func recordMeal(_ request: Request, context: LedgerRequestContext) async throws -> Response {
        let terminal = try context.requireTerminal()
        let body = try await JSONBody.decode(MealBody.self, from: request, limit: JSONBody.singleLimit)
        let recorded = try await ledger.recordMeal(try body.validated(), by: terminal)
        count(recorded)
        return try JSONBody.response(MealResponse(recorded.value, timeZone: ledger.settings.timeZone),
                                     status: recorded.isReplay ? .ok : .created)
    }

    @Sendable func voidMeal(_ request: Request, context: LedgerRequestContext) async throws -> Response {
        let terminal = try context.requireTerminal()
        guard let mealID = context.parameters.get("id").flatMap(UUID.init(uuidString:)) else {
            throw APIError(.notFound, "not_found", "there is no meal with that id: the path must hold the meal's UUID")
        }
        let body = try await JSONBody.decode(VoidBody.self, from: request, limit: JSONBody.singleLimit)
        let recorded = try await ledger.voidMeal(try body.validated(mealID: mealID), by: terminal)
        if !recorded.isReplay { LedgerMetrics.voidRecorded() }
        return try JSONBody.response(VoidResponse(recorded.value, timeZone: ledger.settings.timeZone),
                                     status: recorded.isReplay ? .ok : .created)
    }

    /// Each item is judged alone, in input order, exactly as `POST /v1/meals` would judge it; the valid ones are
    /// committed together.
    @Sendable func recordBatch(_ request: Request, context: LedgerRequestContext) async throws -> Response {
        let terminal = try context.requireTerminal()
        let body = try await JSONBody.decode(BatchBody.self, from: request, limit: JSONBody.batchLimit)
        guard body.meals.count <= Self.batchLimit else {
            throw APIError.validation("a batch holds at most \(Self.batchLimit) meals; this one has \(body.meals.count): split it", field: "meals")
        }
        let validated = body.meals.map { item in Result { try item.meal.get().validated() } }
        let valid = validated.compactMap { try? $0.get() }
        var outcomes = await ledger.recordMeals(valid, by: terminal).makeIterator()
        let results = zip(body.meals, validated).map { item, validation in
            let outcome = validation.flatMap { _ in outcomes.next()! }
            switch outcome {
            case .success(let recorded):
                count(recorded)
                return BatchResult(id: item.id, status: recorded.isReplay ? 200 : 201,
                                   meal: MealResponse(recorded.value, timeZone: ledger.settings.timeZone))
            case .failure(let error):
                return BatchResult(id: item.id, error: ErrorMapper.apiError(for: error, logger: context.logger))
            }
        }
        return try JSONBody.response(BatchResponse(results: results))
    }

    private func count(_ recorded: Recorded<Meal>) {
        LedgerMetrics.mealRecorded(replay: recorded.isReplay)
    }
}
