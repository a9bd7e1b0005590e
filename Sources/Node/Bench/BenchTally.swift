import Histogram

/// What one load-generating task saw. Each task owns its tally (no lock on the hot path); the run
/// merges them when every task is done.
struct BenchTally: Sendable {
    /// Latency of successful requests in microseconds: from the due time in an open-loop run, from the
    /// send in a closed-loop run.
    var latencyMicroseconds: Histogram<UInt64>
    /// Requests answered with a 2xx embeddings response for every input.
    var succeeded = 0
    /// Inputs embedded by successful requests.
    var texts = 0
    /// `usage.prompt_tokens` summed over successful requests.
    var tokens = 0
    /// Sends repeated because the server refused them unprocessed (GOAWAY, REFUSED_STREAM, closed
    /// before answering); the request counts once, by how its last send ended.
    var resends = 0
    /// Failed requests by ``BenchFailure`` raw value.
    var failures = [Int](repeating: 0, count: BenchFailure.allCases.count)
    /// Every answered status (successes and failures) by code.
    var statuses: [Int: Int] = [:]
    /// Open loop: requests sent more than ``OpenLoopTimetable/lateness`` after their due time.
    var lateSends = 0
    /// Nanoseconds from the start of the run to the last answer (or failure), 0 if none.
    var lastCompletionOffset: Int64 = 0

    init() {
        // One hour at 3 significant digits; longer values widen it rather than being dropped.
        var histogram = Histogram<UInt64>(
            lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: .three)
        histogram.autoResize = true
        latencyMicroseconds = histogram
    }

    /// Requests that ended one way or the other.
    var completed: Int { succeeded + failed }

    var failed: Int { failures.reduce(0, +) }

    func count(of failure: BenchFailure) -> Int { failures[failure.rawValue] }

    mutating func recordSuccess(latencyNanoseconds: Int64, texts: Int, tokens: Int) {
        latencyMicroseconds.record(UInt64(max(1, (latencyNanoseconds + 500) / 1_000)))
        succeeded += 1
        self.texts += texts
        self.tokens += tokens
    }

    mutating func recordFailure(_ failure: BenchFailure) {
        failures[failure.rawValue] += 1
    }

    mutating func recordStatus(_ status: Int) {
        statuses[status, default: 0] += 1
    }

    mutating func recordCompletion(atOffset offset: Int64) {
        lastCompletionOffset = max(lastCompletionOffset, offset)
    }

    mutating func merge(_ other: BenchTally) {
        latencyMicroseconds.add(other.latencyMicroseconds)
        succeeded += other.succeeded
        resends += other.resends
        texts += other.texts
        tokens += other.tokens
        for index in failures.indices { failures[index] += other.failures[index] }
        statuses.merge(other.statuses, uniquingKeysWith: +)
        lateSends += other.lateSends
        lastCompletionOffset = max(lastCompletionOffset, other.lastCompletionOffset)
    }
}
