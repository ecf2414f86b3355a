@testable import LedgerStore
import Testing

@Suite("remembered terminals")
struct TerminalMemoryTests {
    func terminal(_ id: Int64) -> TerminalIdentity {
        TerminalIdentity(terminalID: id, terminalName: "till-\(id)", restaurantID: 1, restaurantCode: "R1",
                         rateBasisPoints: 8500, restaurantActive: true)
    }

    @Test("a token's terminal is remembered; forgetting a terminal forgets all its tokens and no other")
    func rememberAndForget() {
        let memory = TerminalMemory()
        #expect(memory.terminal(for: "ldg_a") == nil)
        memory.remember(terminal(1), for: "ldg_a")
        memory.remember(terminal(1), for: "ldg_b")
        memory.remember(terminal(2), for: "ldg_c")
        #expect(memory.terminal(for: "ldg_a") == terminal(1))
        memory.forget(terminalID: 1)
        #expect(memory.terminal(for: "ldg_a") == nil)
        #expect(memory.terminal(for: "ldg_b") == nil)
        #expect(memory.terminal(for: "ldg_c") == terminal(2))
    }

    @Test("the memory is bounded: at capacity it starts again empty")
    func bounded() {
        let memory = TerminalMemory()
        for n in 0..<TerminalMemory.capacity { memory.remember(terminal(Int64(n)), for: "ldg_\(n)") }
        #expect(memory.terminal(for: "ldg_0") == terminal(0))
        memory.remember(terminal(-1), for: "ldg_new")
        #expect(memory.terminal(for: "ldg_0") == nil)
        #expect(memory.terminal(for: "ldg_new") == terminal(-1))
    }
}
