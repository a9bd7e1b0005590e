import Synchronization

/// In-flight counts shared by every request task: streams per backend (indexed by the health
/// table's stable backend index), client requests and retries, all atomics so the hot path
/// increments and decrements without a lock or an actor hop.
///
/// Every successful `begin`/`tryBegin` must be paired with one `end` on the same index (and
/// `beginRequest`/`tryBeginRetry` with `endRequest`/`endRetry`); an index outside the capacity is
/// ignored (counts 0, never begins).
public final class OutstandingCounters: Sendable {
    /// One counter per heap object, so counters of different backends rarely share a cache line.
    private final class Cell: Sendable {
        let value = Atomic<Int>(0)
    }

    private let cells: [Cell]
    private let requests = Atomic<Int>(0)
    private let retries = Atomic<Int>(0)

    /// Counters for backend indices `0..<capacity` (use the health table's capacity).
    public init(capacity: Int) {
        cells = (0..<max(capacity, 0)).map { _ in Cell() }
    }

    /// The number of backend indices counted.
    public var capacity: Int { cells.count }

    /// Requests in flight to the backend at `index`.
    public func outstanding(_ index: Int) -> Int {
        guard cells.indices.contains(index) else { return 0 }
        return cells[index].value.load(ordering: .relaxed)
    }

    /// Counts a request to the backend at `index` as in flight.
    public func begin(_ index: Int) {
        guard cells.indices.contains(index) else { return }
        cells[index].value.wrappingAdd(1, ordering: .relaxed)
    }

    /// Counts a request to the backend at `index` as in flight only if fewer than `cap` are:
    /// the in-flight cap holds exactly even when many tasks race for the last slot.
    public func tryBegin(_ index: Int, cap: Int) -> Bool {
        guard cells.indices.contains(index) else { return false }
        return Self.tryIncrement(cells[index].value, below: cap)
    }

    /// Ends a request counted by `begin` or `tryBegin`.
    public func end(_ index: Int) {
        guard cells.indices.contains(index) else { return }
        cells[index].value.wrappingSubtract(1, ordering: .relaxed)
    }

    // MARK: Requests and retries

    /// Client requests in flight (the retry budget's base).
    public var activeRequests: Int { requests.load(ordering: .relaxed) }

    /// Retries in flight.
    public var activeRetries: Int { retries.load(ordering: .relaxed) }

    /// Counts a client request as in flight.
    public func beginRequest() {
        requests.wrappingAdd(1, ordering: .relaxed)
    }

    /// Ends a client request counted by `beginRequest`.
    public func endRequest() {
        requests.wrappingSubtract(1, ordering: .relaxed)
    }

    /// Starts a retry: always when `needsBudget` is false (it still counts against the budget of
    /// later budgeted retries), else only if `budget` allows one more now. Pair a true answer with
    /// `endRetry`.
    public func tryBeginRetry(budget: RetryBudget, needsBudget: Bool) -> Bool {
        guard needsBudget else {
            retries.wrappingAdd(1, ordering: .relaxed)
            return true
        }
        return Self.tryIncrement(retries, below: budget.limit(activeRequests: activeRequests))
    }

    /// Ends a retry started by `tryBeginRetry`.
    public func endRetry() {
        retries.wrappingSubtract(1, ordering: .relaxed)
    }

    private static func tryIncrement(_ counter: borrowing Atomic<Int>, below limit: Int) -> Bool {
        var current = counter.load(ordering: .relaxed)
        while current < limit {
            let (exchanged, original) = counter.weakCompareExchange(
                expected: current,
                desired: current + 1,
                ordering: .relaxed
            )
            if exchanged { return true }
            current = original
        }
        return false
    }
}
