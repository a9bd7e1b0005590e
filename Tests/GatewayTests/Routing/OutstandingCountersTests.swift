import Testing

@testable import Gateway

@Suite struct OutstandingCountersTests {
    @Test func countsPerBackendIndex() {
        let counters = OutstandingCounters(capacity: 3)
        counters.begin(0)
        counters.begin(0)
        counters.begin(2)
        #expect(counters.outstanding(0) == 2)
        #expect(counters.outstanding(1) == 0)
        #expect(counters.outstanding(2) == 1)
        counters.end(0)
        #expect(counters.outstanding(0) == 1)
        #expect(counters.capacity == 3)
    }

    @Test func indicesOutsideTheCapacityAreIgnored() {
        let counters = OutstandingCounters(capacity: 2)
        counters.begin(5)
        counters.end(-1)
        #expect(counters.outstanding(5) == 0)
        #expect(!counters.tryBegin(2, cap: 10))
        #expect(OutstandingCounters(capacity: -3).capacity == 0)
    }

    @Test func tryBeginHoldsTheCap() {
        let counters = OutstandingCounters(capacity: 1)
        #expect(counters.tryBegin(0, cap: 2))
        #expect(counters.tryBegin(0, cap: 2))
        #expect(!counters.tryBegin(0, cap: 2))
        counters.end(0)
        #expect(counters.tryBegin(0, cap: 2))
        #expect(!counters.tryBegin(0, cap: 0))
    }

    @Test func concurrentRacersNeverExceedTheCap() async {
        let counters = OutstandingCounters(capacity: 1)
        let admitted = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<64 {
                group.addTask {
                    var wins = 0
                    for _ in 0..<100 {
                        if counters.tryBegin(0, cap: 1000) { wins += 1 }
                    }
                    return wins
                }
            }
            return await group.reduce(0, +)
        }
        #expect(admitted == 1000)
        #expect(counters.outstanding(0) == 1000)
    }

    @Test func concurrentBeginsAndEndsBalance() async {
        let counters = OutstandingCounters(capacity: 4)
        await withTaskGroup(of: Void.self) { group in
            for task in 0..<32 {
                group.addTask {
                    for _ in 0..<1000 {
                        counters.begin(task % 4)
                        counters.end(task % 4)
                    }
                    counters.begin(task % 4)
                }
            }
        }
        #expect((0..<4).map(counters.outstanding) == [8, 8, 8, 8])
    }

    @Test func retriesRespectTheBudgetUnlessUnprocessed() {
        let counters = OutstandingCounters(capacity: 1)
        let budget = RetryBudget(percent: 20, minConcurrency: 1)
        for _ in 0..<10 { counters.beginRequest() }
        #expect(counters.activeRequests == 10)
        #expect(counters.tryBeginRetry(budget: budget, needsBudget: true))
        // 20 % of 10 = 2.
        #expect(counters.tryBeginRetry(budget: budget, needsBudget: true))
        #expect(!counters.tryBeginRetry(budget: budget, needsBudget: true))
        #expect(counters.tryBeginRetry(budget: budget, needsBudget: false))
        #expect(counters.activeRetries == 3)
        counters.endRetry()
        counters.endRetry()
        #expect(counters.tryBeginRetry(budget: budget, needsBudget: true))
        for _ in 0..<10 { counters.endRequest() }
        #expect(counters.activeRequests == 0)
        #expect(!counters.tryBeginRetry(budget: budget, needsBudget: true))
    }
}
