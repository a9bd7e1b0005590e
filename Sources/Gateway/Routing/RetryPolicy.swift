/// When a failed sub-request is sent again, on another backend.
///
/// The decision is pure: given the failure and what the request has already used, it says
/// whether to retry and whether that retry must fit the budget. The caller reserves the budget
/// atomically (`OutstandingCounters.tryBeginRetry`) and re-plans excluding every backend already
/// tried (`RoutePlanner.replan`); when no untried backend is left the failure stands.
public struct RetryPolicy: Sendable, Hashable {
    /// What to do after a failure.
    public enum Decision: Sendable, Hashable {
        /// Send it to another backend; `needsBudget` says whether the retry budget must allow it.
        case retry(needsBudget: Bool)
        /// Give the failure to the client.
        case giveUp
    }

    /// Tries per sub-request, the first included (default 3).
    public var maxAttempts: Int
    /// Caps the retries of requests that may have been processed.
    public var budget: RetryBudget

    public init(maxAttempts: Int = 3, budget: RetryBudget = RetryBudget()) {
        self.maxAttempts = maxAttempts
        self.budget = budget
    }

    /// The decision after `failure`, when the sub-request has been tried `attempts` times and
    /// retried after a 429 `overloadRetries` times.
    public func decide(after failure: BackendFailure, attempts: Int, overloadRetries: Int = 0) -> Decision {
        guard attempts < maxAttempts else { return .giveUp }
        switch failure.failureClass {
        case .notProcessed: return .retry(needsBudget: false)
        case .maybeProcessed: return .retry(needsBudget: true)
        case .overloaded: return overloadRetries < 1 ? .retry(needsBudget: true) : .giveUp
        case .final: return .giveUp
        }
    }
}
