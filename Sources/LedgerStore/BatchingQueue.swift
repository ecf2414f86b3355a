import Synchronization

/// Hands work to the database in groups: whatever arrives while earlier groups are in flight waits and leaves
/// together, so that many requests share one transaction, one round trip per statement and one commit
/// (group commit). An idle queue sends a lone submission at once; it never waits to fill a group.
///
/// Invariants: at most `maxInFlight` groups run at a time; a group is made of whole submissions in arrival order
/// (a submission is never split, so its items are judged one after the other), and holds at most `maxItems` items
/// unless one submission alone is larger; every submission is answered exactly once, with one outcome per item.
final class BatchingQueue<Item: Sendable, Outcome: Sendable>: Sendable {
    /// Runs one group and returns one outcome per item, in the items' order.
    typealias Run = @Sendable ([Item]) async -> [Result<Outcome, any Error>]

    private struct Submission {
        let items: [Item]
        let continuation: CheckedContinuation<[Result<Outcome, any Error>], Never>
    }

    private struct State {
        var waiting: [Submission] = []
        var inFlight = 0
    }

    private let maxInFlight: Int
    private let maxItems: Int
    private let run: Run
    private let state = Mutex(State())

    init(maxInFlight: Int, maxItems: Int, run: @escaping Run) {
        precondition(maxInFlight > 0 && maxItems > 0)
        self.maxInFlight = maxInFlight
        self.maxItems = maxItems
        self.run = run
    }

    /// Queues `items` and returns their outcomes once the group that carried them has run.
    func submit(_ items: [Item]) async -> [Result<Outcome, any Error>] {
        guard !items.isEmpty else { return [] }
        return await withCheckedContinuation { continuation in
            let startsRunner = state.withLock { state in
                state.waiting.append(Submission(items: items, continuation: continuation))
                guard state.inFlight < maxInFlight else { return false }
                state.inFlight += 1
                return true
            }
            if startsRunner {
                Task { await self.runGroups() }
            }
        }
    }

    /// Runs groups until nothing waits; each runner holds one of the `maxInFlight` places.
    private func runGroups() async {
        while let group = nextGroup() {
            let items = group.flatMap(\.items)
            let outcomes = await run(items)
            precondition(outcomes.count == items.count, "a group's run must answer every item")
            var start = outcomes.startIndex
            for submission in group {
                let end = start + submission.items.count
                submission.continuation.resume(returning: Array(outcomes[start..<end]))
                start = end
            }
        }
    }

    /// Takes the next group off the queue, or gives up the runner's place when nothing waits.
    private func nextGroup() -> [Submission]? {
        state.withLock { state in
            guard !state.waiting.isEmpty else {
                state.inFlight -= 1
                return nil
            }
            var count = 0
            var taken = 0
            for submission in state.waiting {
                if taken > 0 && count + submission.items.count > maxItems { break }
                count += submission.items.count
                taken += 1
            }
            let group = Array(state.waiting.prefix(taken))
            state.waiting.removeFirst(taken)
            return group
        }
    }
}
