import Testing

@testable import Gateway

@Suite struct RetryPolicyTests {
    @Test func failuresAreClassifiedByWhetherTheBackendCouldHaveProcessedThem() {
        let expected: [(BackendFailure, FailureClass, Bool)] = [
            (.connectFailed, .notProcessed, true),
            (.resetBeforeResponse, .notProcessed, true),
            (.goAwayUnprocessed, .notProcessed, false),
            (.refusedStream, .notProcessed, false),
            (.status(503), .notProcessed, false),
            (.timeout, .maybeProcessed, true),
            (.resetAfterHeaders, .maybeProcessed, true),
            (.status(429), .overloaded, false),
            (.status(500), .final, true),
            (.status(502), .final, true),
            (.status(400), .final, false),
            (.status(404), .final, false),
            (.status(413), .final, false),
        ]
        for (failure, failureClass, counts) in expected {
            #expect(failure.failureClass == failureClass, "\(failure)")
            #expect(failure.countsTowardEjection == counts, "\(failure)")
        }
    }

    @Test func notProcessedIsRetriedFreelyUpToMaxAttempts() {
        let policy = RetryPolicy(maxAttempts: 3)
        #expect(policy.decide(after: .connectFailed, attempts: 1) == .retry(needsBudget: false))
        #expect(policy.decide(after: .status(503), attempts: 2) == .retry(needsBudget: false))
        #expect(policy.decide(after: .refusedStream, attempts: 3) == .giveUp)
        #expect(RetryPolicy(maxAttempts: 1).decide(after: .goAwayUnprocessed, attempts: 1) == .giveUp)
    }

    @Test func maybeProcessedNeedsTheBudget() {
        let policy = RetryPolicy()
        #expect(policy.decide(after: .timeout, attempts: 1) == .retry(needsBudget: true))
        #expect(policy.decide(after: .resetAfterHeaders, attempts: 2) == .retry(needsBudget: true))
        #expect(policy.decide(after: .timeout, attempts: 3) == .giveUp)
    }

    @Test func overloadIsRetriedOnceAndFinalAnswersNever() {
        let policy = RetryPolicy()
        #expect(policy.decide(after: .status(429), attempts: 1, overloadRetries: 0) == .retry(needsBudget: true))
        #expect(policy.decide(after: .status(429), attempts: 2, overloadRetries: 1) == .giveUp)
        #expect(policy.decide(after: .status(400), attempts: 1) == .giveUp)
        #expect(policy.decide(after: .status(500), attempts: 1) == .giveUp)
    }

    @Test func budgetIsAShareOfActiveRequestsWithAFloor() {
        let budget = RetryBudget(percent: 20, minConcurrency: 3)
        #expect(budget.limit(activeRequests: 0) == 3)
        #expect(budget.limit(activeRequests: 10) == 3)
        #expect(budget.limit(activeRequests: 19) == 3)
        #expect(budget.limit(activeRequests: 20) == 4)
        #expect(budget.limit(activeRequests: 104) == 20)
        #expect(budget.limit(activeRequests: 1000) == 200)
        #expect(budget.allowsRetry(activeRequests: 1000, activeRetries: 199))
        #expect(!budget.allowsRetry(activeRequests: 1000, activeRetries: 200))
        #expect(budget.allowsRetry(activeRequests: 5, activeRetries: 2))
        #expect(!budget.allowsRetry(activeRequests: 5, activeRetries: 3))
    }

    @Test func badBudgetValuesDoNotCrash() {
        #expect(RetryBudget(percent: -5, minConcurrency: -1).limit(activeRequests: 100) == 0)
        #expect(RetryBudget(percent: .nan, minConcurrency: 2).limit(activeRequests: 100) == 2)
        #expect(RetryBudget(percent: 500, minConcurrency: 0).limit(activeRequests: 10) == 10)
        #expect(RetryBudget(percent: 100, minConcurrency: 0).limit(activeRequests: .max) == .max)
    }
}
