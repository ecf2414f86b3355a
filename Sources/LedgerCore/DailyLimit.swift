/// Business rule 2: at most so many discounted meals per card per local day.
public struct DailyLimit: Sendable, Hashable {
    /// The most meals a card may have in one local day.
    public let maxMeals: Int

    public init(maxMeals: Int = 3) {
        self.maxMeals = maxMeals
    }

    /// Whether one more meal is allowed after `mealsSoFar` meals (not voided) that day.
    public func allows(mealsSoFar: Int) -> Bool {
        mealsSoFar < maxMeals
    }
}
