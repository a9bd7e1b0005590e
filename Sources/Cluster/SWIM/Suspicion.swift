import Foundation

/// Lifeguard's dynamic suspicion timer for one suspected member.
///
/// The timeout starts at `max` and shrinks toward `min` as independent members confirm the
/// suspicion: `timeout = max(min, max − (max − min) · log(c + 1) / log(k + 1))` for `c` confirmations
/// out of `k` expected. With `k < 1` the timeout is `min` from the start (memberlist's rule).
struct Suspicion: Hashable, Sendable {
    /// The incarnation the member is suspected at; a refutation has a higher one.
    let incarnation: UInt64
    let startedAt: Duration
    let minimum: Duration
    let maximum: Duration
    let expectedConfirmations: Int
    /// Who has suspected the member so far (the first accuser included), so each counts once.
    private(set) var accusers: Set<String>
    private(set) var deadline: Duration
    /// The deadline never comes before this once set (see `postpone(until:)`).
    private var postponedUntil: Duration?
    /// Direct re-pings of the suspect sent so far (see `recheckDue`).
    private(set) var recheckSequences: [UInt32] = []

    /// Shares of the timeout at which the suspecting member pings the suspect again, carrying the
    /// suspicion. A live suspect answers with its refutation directly, so a member that missed the
    /// gossiped refutation on a lossy network does not declare it dead; a crashed one stays silent
    /// and the timer runs out unchanged.
    static let recheckFractions = [0.3, 0.55, 0.8]

    init(
        incarnation: UInt64,
        from accuser: String,
        startedAt: Duration,
        minimum: Duration,
        maximum: Duration,
        expectedConfirmations: Int
    ) {
        self.incarnation = incarnation
        self.startedAt = startedAt
        self.minimum = minimum
        self.maximum = maximum
        self.expectedConfirmations = expectedConfirmations
        self.accusers = [accuser]
        let initial = expectedConfirmations < 1 ? minimum : maximum
        self.deadline = startedAt + initial
    }

    var confirmations: Int { accusers.count - 1 }

    /// When the next re-ping is due, if any remain.
    var recheckDue: Duration? {
        guard recheckSequences.count < Self.recheckFractions.count else { return nil }
        return startedAt + (deadline - startedAt).scaled(by: Self.recheckFractions[recheckSequences.count])
    }

    mutating func recordRecheck(sequence: UInt32) {
        recheckSequences.append(sequence)
    }

    /// Moves the deadline to `time` if that is later (the local member stalled past it: see
    /// `SWIMInstance.deferJudgement`).
    mutating func postpone(until time: Duration) {
        postponedUntil = max(postponedUntil ?? time, time)
        if time > deadline { deadline = time }
    }

    /// Records a suspicion from `accuser`; returns whether it was new and counted (then it is worth re-gossiping).
    mutating func confirm(from accuser: String) -> Bool {
        guard confirmations < expectedConfirmations, !accusers.contains(accuser) else { return false }
        accusers.insert(accuser)
        deadline =
            startedAt
            + Self.timeout(
                confirmations: confirmations,
                expected: expectedConfirmations,
                minimum: minimum,
                maximum: maximum
            )
        if let postponedUntil, postponedUntil > deadline { deadline = postponedUntil }
        return true
    }

    /// The timeout after `confirmations` of `expected` confirmations, never below `minimum`.
    static func timeout(confirmations: Int, expected: Int, minimum: Duration, maximum: Duration) -> Duration {
        guard expected >= 1 else { return minimum }
        let fraction = log(Double(confirmations + 1)) / log(Double(expected + 1))
        let raw = maximum - (maximum - minimum).scaled(by: fraction)
        let truncated = Duration.milliseconds(raw.nanoseconds / 1_000_000)
        return truncated < minimum ? minimum : truncated
    }
}
