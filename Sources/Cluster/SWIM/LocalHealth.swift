/// Lifeguard's local health multiplier (LHM): how much the local node doubts its own timeliness.
///
/// It rises when the node's own probes fail or its helpers do not nack, when it has to refute a
/// suspicion about itself, and when its own timers fire late (a stall: see
/// `SWIMInstance.deferJudgement`); it falls on every successful probe. Probe interval, probe
/// timeout and the suspicion timeouts it starts are scaled by `score + 1`, so a slow or overloaded
/// node probes less aggressively and takes longer to declare anyone dead.
public struct LocalHealth: Hashable, Sendable {
    public private(set) var score = 0
    public let maximum: Int

    public init(maximum: Int) {
        self.maximum = maximum
    }

    mutating func apply(_ delta: Int) {
        score = min(maximum, max(0, score + delta))
    }

    /// `duration × (score + 1)`.
    func scale(_ duration: Duration) -> Duration {
        duration * (score + 1)
    }
}
