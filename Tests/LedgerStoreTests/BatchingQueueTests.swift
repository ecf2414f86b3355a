@testable import LedgerStore
import Synchronization
import Testing

/// What a test queue's runs saw, and a gate that holds the first run until the test opens it.
private final class Runs: Sendable {
    let groups = Mutex<[[Int]]>([])
    let running = Mutex((now: 0, most: 0))
    let gate = Mutex<CheckedContinuation<Void, Never>?>(nil)
    let holdFirst: Bool

    init(holdFirst: Bool) { self.holdFirst = holdFirst }

    /// Answers item n with n * 10, or a failure for negative items.
    func run(_ items: [Int]) async -> [Result<Int, any Error>] {
        let isFirst = groups.withLock { groups in
            groups.append(items)
            return groups.count == 1
        }
        running.withLock { $0.now += 1; $0.most = max($0.most, $0.now) }
        if holdFirst && isFirst {
            await withCheckedContinuation { continuation in gate.withLock { $0 = continuation } }
        } else {
            try? await Task.sleep(for: .milliseconds(2))
        }
        running.withLock { $0.now -= 1 }
        return items.map { $0 < 0 ? .failure(Negative()) : .success($0 * 10) }
    }

    /// Waits until the first run is held at the gate (at most 10 s), then lets it go.
    func openGate() async throws {
        let end = ContinuousClock.now + .seconds(10)
        while true {
            guard ContinuousClock.now < end else {
                Issue.record("gave up after 10 s waiting for the first group to reach the gate")
                throw CancellationError()
            }
            if let continuation = gate.withLock({ gate -> CheckedContinuation<Void, Never>? in
                defer { gate = nil }
                return gate
            }) {
                continuation.resume()
                return
            }
            await Task.yield()
        }
    }

    struct Negative: Error {}
}

/// Submits `items` in a task of its own, and waits (bounded) until the queue holds it, so that submissions arrive in
/// the test's order.
private func submitInOrder(
    _ queue: BatchingQueue<Int, Int>, _ items: [Int], into group: inout [Task<[Result<Int, any Error>], Never>]
) async throws {
    group.append(Task { await queue.submit(items) })
    try await Task.sleep(for: .milliseconds(50))
}

@Suite("group commit queue")
struct BatchingQueueTests {
    @Test("what arrives while a group runs leaves together in the next group, whole and in order; each answer goes to its submitter")
    func groupsWhatWaits() async throws {
        let runs = Runs(holdFirst: true)
        let queue = BatchingQueue<Int, Int>(maxInFlight: 1, maxItems: 100) { await runs.run($0) }
        var tasks: [Task<[Result<Int, any Error>], Never>] = []
        try await submitInOrder(queue, [1], into: &tasks)
        try await submitInOrder(queue, [2, 3], into: &tasks)
        try await submitInOrder(queue, [4, -5], into: &tasks)
        try await submitInOrder(queue, [6], into: &tasks)
        try await runs.openGate()
        var answers: [[Int?]] = []
        for task in tasks { answers.append(await task.value.map { try? $0.get() }) }

        let groups = runs.groups.withLock { $0 }
        #expect(groups == [[1], [2, 3, 4, -5, 6]])
        #expect(answers == [[10], [20, 30], [40, nil], [60]])
    }

    @Test("a group holds at most maxItems items; a larger submission goes alone and is never split")
    func boundedGroups() async throws {
        let runs = Runs(holdFirst: true)
        let queue = BatchingQueue<Int, Int>(maxInFlight: 1, maxItems: 3) { await runs.run($0) }
        var tasks: [Task<[Result<Int, any Error>], Never>] = []
        for items in [[0], [1, 2], [3, 4], [5, 6, 7, 8, 9], [10], [11]] {
            try await submitInOrder(queue, items, into: &tasks)
        }
        try await runs.openGate()
        for task in tasks { _ = await task.value }

        let groups = runs.groups.withLock { $0 }
        #expect(groups == [[0], [1, 2], [3, 4], [5, 6, 7, 8, 9], [10, 11]])
    }

    @Test("at most maxInFlight groups run at once, and every one of 200 concurrent submissions is answered once")
    func boundedConcurrency() async throws {
        let runs = Runs(holdFirst: false)
        let queue = BatchingQueue<Int, Int>(maxInFlight: 3, maxItems: 8) { await runs.run($0) }
        let answers = await withTaskGroup(of: (Int, [Int]).self) { group in
            for n in 1...200 {
                group.addTask { (n, await queue.submit([n, n + 1000]).map { (try? $0.get()) ?? 0 }) }
            }
            return await group.reduce(into: [Int: [Int]]()) { $0[$1.0] = $1.1 }
        }

        #expect(answers.count == 200)
        let wrongAnswers = answers.filter { n, answer in answer != [n * 10, (n + 1000) * 10] }
        let mostRunning = runs.running.withLock { $0.most }
        let groups = runs.groups.withLock { $0 }
        let grouped = groups.flatMap { $0 }.sorted()
        let submitted = (1...200).flatMap { [$0, $0 + 1000] }.sorted()
        let oversized = groups.filter { $0.count > 8 }
        #expect(wrongAnswers.isEmpty)
        #expect(mostRunning <= 3)
        #expect(grouped == submitted)
        #expect(oversized.isEmpty)
        #expect(groups.count < 200, "concurrent submissions were never grouped")
    }
}
