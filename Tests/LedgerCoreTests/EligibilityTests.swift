import LedgerCore
import Testing

func card(
    _ category: CardCategory = .veteran,
    status: CardStatus = .active,
    born: String? = "1940-06-15",
    from: String? = nil,
    until: String? = nil
) -> Card {
    Card(
        number: try! CardNumber("T0000001"),
        category: category,
        status: status,
        birthDate: born.map(day),
        validFrom: from.map(day),
        validUntil: until.map(day)
    )
}

@Suite struct MealEligibilityTests {
    let today = day("2024-03-31")

    @Test("an active card with open validity is eligible for meals")
    func activeCardWithOpenValidityIsEligible() {
        for category in CardCategory.allCases {
            #expect(Eligibility.meal(card: card(category), on: today) == .eligible)
        }
        #expect(Eligibility.meal(card: card(), on: today).isEligible)
    }

    @Test("suspended and revoked cards are inactive")
    func suspendedAndRevokedCardsAreInactive() {
        let suspended = Eligibility.meal(card: card(status: .suspended), on: today)
        #expect(suspended == .ineligible(.cardSuspended))
        #expect(Eligibility.meal(card: card(status: .revoked), on: today) == .ineligible(.cardRevoked))
        #expect(!suspended.isEligible)
    }

    @Test("a card's validity bounds are inclusive")
    func validityBoundsAreInclusive() {
        #expect(Eligibility.meal(card: card(from: "2024-03-31"), on: today) == .eligible)
        #expect(Eligibility.meal(card: card(until: "2024-03-31"), on: today) == .eligible)
        #expect(Eligibility.meal(card: card(from: "2024-03-31", until: "2024-03-31"), on: today) == .eligible)
    }

    @Test("a card before its valid_from is not yet valid")
    func beforeValidFromIsNotYetValid() {
        let result = Eligibility.meal(card: card(from: "2024-04-01"), on: today)
        #expect(result == .ineligible(.notYetValid(validFrom: day("2024-04-01"))))
    }

    @Test("a card after its valid_until is expired")
    func afterValidUntilIsExpired() {
        let reason = MealIneligibility.expired(validUntil: day("2024-03-30"))
        #expect(Eligibility.meal(card: card(until: "2024-03-30"), on: today) == .ineligible(reason))
        #expect(reason.message.contains("2024-03-30"))
    }

    @Test("the card's status outranks its validity dates")
    func statusOutranksValidity() {
        #expect(Eligibility.meal(card: card(status: .revoked, until: "2020-01-01"), on: today) == .ineligible(.cardRevoked))
        #expect(Eligibility.meal(card: card(status: .suspended, from: "2025-01-01"), on: today) == .ineligible(.cardSuspended))
    }
}

@Suite struct AgeTests {
    @Test("age counts completed years")
    func countsCompletedYears() {
        #expect(Eligibility.age(born: day("1944-03-31"), on: day("2024-03-31")) == 80)
        #expect(Eligibility.age(born: day("1944-03-31"), on: day("2024-03-30")) == 79)
        #expect(Eligibility.age(born: day("1944-03-31"), on: day("2025-03-30")) == 80)
        #expect(Eligibility.age(born: day("1944-12-31"), on: day("2024-01-01")) == 79)
        #expect(Eligibility.age(born: day("2024-01-01"), on: day("2024-01-01")) == 0)
    }

    @Test("a leap-day birthday falls on the first of March in common years")
    func leapDayBirthdaysFallOnFirstMarchInCommonYears() {
        let born = day("1944-02-29")
        #expect(Eligibility.age(born: born, on: day("2023-02-28")) == 78)
        #expect(Eligibility.age(born: born, on: day("2023-03-01")) == 79)
        #expect(Eligibility.age(born: born, on: day("2024-02-28")) == 79)
        #expect(Eligibility.age(born: born, on: day("2024-02-29")) == 80)
        #expect(Eligibility.age(born: born, on: day("2025-02-28")) == 80)
        #expect(Eligibility.age(born: born, on: day("2025-03-01")) == 81)
    }
}

@Suite struct DeliveryEligibilityTests {
    @Test("a veteran turning 80 that day is eligible for delivery")
    func veteranTurning80ThatDayIsEligible() {
        let veteran = card(born: "1944-03-31")
        #expect(Eligibility.delivery(card: veteran, on: day("2024-03-31")) == .eligible)
        #expect(Eligibility.delivery(card: veteran, on: day("2024-03-31")).isEligible)
        #expect(Eligibility.delivery(card: veteran, on: day("2024-03-30")) == .ineligible(.tooYoung(age: 79, minimumAge: 80)))
    }

    @Test("a leap-day veteran qualifies on the first of March of a common year")
    func leapDayVeteranQualifiesOnFirstMarchOfACommonYear() {
        let veteran = card(born: "1944-02-29")
        #expect(Eligibility.delivery(card: veteran, on: day("2024-02-28")) == .ineligible(.tooYoung(age: 79, minimumAge: 80)))
        #expect(Eligibility.delivery(card: veteran, on: day("2024-02-29")) == .eligible)
        #expect(
            Eligibility.delivery(card: veteran, on: day("2025-02-28"), minimumAge: 81)
                == .ineligible(.tooYoung(age: 80, minimumAge: 81)))
        #expect(Eligibility.delivery(card: veteran, on: day("2025-03-01"), minimumAge: 81) == .eligible)
    }

    @Test("the minimum age for delivery is configurable")
    func minimumAgeIsConfigurable() {
        let veteran = card(born: "1950-01-01")
        #expect(Eligibility.delivery(card: veteran, on: day("2024-06-01")) == .ineligible(.tooYoung(age: 74, minimumAge: 80)))
        #expect(Eligibility.delivery(card: veteran, on: day("2024-06-01"), minimumAge: 74) == .eligible)
    }

    @Test("only veterans get free delivery")
    func onlyVeterans() {
        for category in [CardCategory.activeServiceman, .specialCare] {
            let result = Eligibility.delivery(card: card(category, born: "1930-01-01"), on: day("2024-03-31"))
            #expect(result == .ineligible(.notVeteran(category)))
        }
    }

    @Test("the card must be usable on the day of the delivery")
    func cardMustBeUsableThatDay() {
        let today = day("2024-03-31")
        #expect(
            Eligibility.delivery(card: card(status: .suspended, born: "1930-01-01"), on: today)
                == .ineligible(.cardNotValid(.cardSuspended)))
        #expect(
            Eligibility.delivery(card: card(status: .revoked, born: "1930-01-01"), on: today)
                == .ineligible(.cardNotValid(.cardRevoked)))
        let expired = DeliveryIneligibility.cardNotValid(.expired(validUntil: day("2024-03-30")))
        #expect(Eligibility.delivery(card: card(born: "1930-01-01", until: "2024-03-30"), on: today) == .ineligible(expired))
        #expect(Eligibility.delivery(card: card(born: "1930-01-01", until: "2024-03-31"), on: today) == .eligible)
    }

    @Test("delivery eligibility needs a birth date")
    func needsABirthDate() {
        #expect(Eligibility.delivery(card: card(born: nil), on: day("2024-03-31")) == .ineligible(.noBirthDate))
    }
}

@Suite struct DailyLimitTests {
    @Test("the default daily limit allows three meals a day")
    func defaultAllowsThreeMealsADay() {
        let limit = DailyLimit()
        #expect(limit.maxMeals == 3)
        #expect(limit.allows(mealsSoFar: 0))
        #expect(limit.allows(mealsSoFar: 2))
        #expect(!limit.allows(mealsSoFar: 3))
        #expect(!limit.allows(mealsSoFar: 4))
    }

    @Test("the daily limit is configurable")
    func limitIsConfigurable() {
        #expect(DailyLimit(maxMeals: 1).allows(mealsSoFar: 0))
        #expect(!DailyLimit(maxMeals: 1).allows(mealsSoFar: 1))
        #expect(!DailyLimit(maxMeals: 0).allows(mealsSoFar: 0))
    }
}
