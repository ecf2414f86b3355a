import LedgerCore
import LedgerStore
import Testing

@Suite("configuration from the environment")
struct ConfigurationTests {
    @Test("every key has its documented default")
    func defaults() throws {
        let configuration = try LedgerConfiguration.fromEnvironment([:])
        #expect(configuration.databaseURL == "")
        #expect(configuration.settings.timeZone.identifier == "Asia/Shanghai")
        #expect(configuration.settings.dailyLimit.maxMeals == 3)
        #expect(configuration.settings.deliveryMinimumAge == 80)
        #expect(configuration.poolSize == 8)
        #expect(configuration.mealGroupsInFlight == 1)
    }

    @Test("set values are used; a malformed or out-of-range value is refused naming its key", arguments: [
        ("LEDGER_POOL_SIZE", "0"), ("LEDGER_POOL_SIZE", "many"), ("LEDGER_MEAL_GROUPS", "0"), ("LEDGER_MEAL_GROUPS", "2.5"),
        ("LEDGER_DAILY_LIMIT", "-1"), ("LEDGER_TZ", "Mars/Olympus"),
    ])
    func malformed(key: String, value: String) throws {
        let configuration = try LedgerConfiguration.fromEnvironment(["LEDGER_MEAL_GROUPS": "2", "LEDGER_POOL_SIZE": "12"])
        #expect(configuration.mealGroupsInFlight == 2 && configuration.poolSize == 12)
        #expect { try LedgerConfiguration.fromEnvironment([key: value]) } throws: { error in
            (error as? ConfigurationError)?.key == key
        }
    }
}
