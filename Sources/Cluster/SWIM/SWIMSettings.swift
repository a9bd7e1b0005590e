import Foundation

/// Tunables of the SWIM + Lifeguard protocol. Defaults follow hashicorp/memberlist's LAN profile,
/// except `suspicionMultiplier` (see its comment).
public struct SWIMSettings: Hashable, Sendable {
    /// How often a member probes one other member (scaled by the local health multiplier + 1).
    public var probeInterval: Duration = .seconds(1)
    /// How long a direct ping waits for an ack before indirect probes go out (also scaled).
    public var probeTimeout: Duration = .milliseconds(500)
    /// How many members are asked to probe an unresponsive member on our behalf (ping-req).
    public var indirectProbeCount = 3
    /// A ping-req helper sends a nack when its own probe is unanswered after this share of its timeout.
    public var nackFraction = 0.8
    /// How often piggyback-only gossip packets go out, and to how many members.
    public var gossipInterval: Duration = .milliseconds(200)
    public var gossipFanout = 3
    /// How long dead and left members keep receiving gossip, so a wrongly declared member hears of it.
    public var gossipToTheDeadTime: Duration = .seconds(30)
    /// Each update is retransmitted `retransmitMultiplier · ceil(log10(N + 1))` times.
    public var retransmitMultiplier = 4
    /// Scales the suspicion timeout: min = multiplier · max(1, log10 N) · probe interval, max = 6 · min,
    /// and Lifeguard expects `multiplier − 2` independent confirmations (none below 3).
    ///
    /// memberlist uses 4: an 8 s minimum at N = 100, so a crash cannot be detected within 6 s with a
    /// 1 s probe (simulated: median 10 s at N = 100). The default 1 gives 1 s (N ≤ 10) to 2 s
    /// (N = 100), raised to `minSuspicionTimeout` (3 s); simulated with that floor, a crash is dead
    /// everywhere after a median 4.4–4.8 s (N = 5…100, 12 seeds each, p90 6–7 s; the tail is the
    /// wait for the first probe of the crashed member), and 10-minute runs at 10 % loss, N = 50,
    /// had no false positive. Short timeouts are safe because a suspect is re-pinged with the suspicion during
    /// the timeout and stale accusations are answered directly.
    public var suspicionMultiplier: Double = 1
    /// max suspicion timeout = this × min suspicion timeout.
    public var suspicionMaxTimeoutMultiplier: Double = 6
    /// No suspicion times out sooner than this, whatever the probe interval and cluster size.
    ///
    /// A member silent for less — a GC or VM pause, SIGSTOP, a process starved of CPU on a loaded
    /// machine — is suspected (and routed around) but not declared dead: a pause looks exactly like
    /// a crash until it ends, so only the timeout can tell them apart, and pauses last wall-clock
    /// seconds however short the probe interval is. Without it, a 200 ms probe interval gave a
    /// 200 ms suspicion timeout at N ≤ 10 and live members were declared dead on a loaded machine.
    /// memberlist's multiplier 4 amounts to 4 s at its defaults; 3 s tolerates pauses of about 3 s
    /// and adds about 1 s to crash detection with the defaults (dead everywhere after a median
    /// 4.4–4.8 s instead of 2.4–3.8 s at N = 5…100, simulated). Routing is unaffected: the gateway
    /// stops sending to a member as soon as it is suspect.
    public var minSuspicionTimeout: Duration = .seconds(3)
    /// The Lifeguard local health multiplier never exceeds this (so timeouts scale at most 9×).
    public var maxLocalHealthMultiplier = 8
    /// Full-state sync period for N ≤ 32; it grows with log2(N) above that (memberlist's pushPullScale).
    public var pushPullInterval: Duration = .seconds(30)
    /// How long dead members are remembered (and tried as push-pull partners) so partitions heal.
    public var deadMemberRetention: Duration = .seconds(24 * 3600)
    /// After this long, a dead or left member's name may be taken by a process at a new endpoint.
    public var deadNodeReclaimTime: Duration = .seconds(30)
    /// Join retry back-off while no seed answers: starts here, doubles, capped at `joinRetryMax`.
    public var joinRetryInitial: Duration = .seconds(1)
    public var joinRetryMax: Duration = .seconds(30)
    /// After a graceful leave, how long the member keeps answering and gossiping its `left`.
    public var leavePropagationTime: Duration = .seconds(1)
    /// The largest UDP payload the shell sends (before any sealing overhead is subtracted).
    public var maxPacketSize = 1400
    /// Bytes the shell adds to every packet (e.g. AES-GCM nonce, tag and key id); the core leaves room.
    public var packetOverhead = 0
    /// The largest metadata the member may publish.
    public var maxMetadataSize = WireFormat.maxMetadataSize

    public init() {}

    /// The byte budget for an encoded packet produced by the core.
    public var packetBudget: Int { maxPacketSize - packetOverhead }

    /// Checks that every value is usable; the error names the first bad setting.
    public func validate() throws(SWIMError) {
        func check(_ condition: Bool, _ message: @autoclosure () -> String) throws(SWIMError) {
            if !condition { throw SWIMError(message: message()) }
        }
        try check(probeInterval > .zero, "probe interval must be positive")
        try check(probeTimeout > .zero, "probe timeout must be positive")
        try check(
            probeTimeout < probeInterval, "probe timeout (\(probeTimeout)) must be shorter than the probe interval")
        try check((0...16).contains(indirectProbeCount), "indirect probe count must be 0…16")
        try check(nackFraction > 0 && nackFraction < 1, "nack fraction must be between 0 and 1")
        try check(gossipInterval > .zero, "gossip interval must be positive")
        try check((1...16).contains(gossipFanout), "gossip fanout must be 1…16")
        try check(gossipToTheDeadTime >= .zero, "gossip-to-the-dead time must not be negative")
        try check((1...32).contains(retransmitMultiplier), "retransmit multiplier must be 1…32")
        try check(
            suspicionMultiplier >= 0.5 && suspicionMultiplier <= 32,
            "suspicion multiplier must be 0.5…32"
        )
        try check(suspicionMaxTimeoutMultiplier >= 1, "suspicion max timeout multiplier must be at least 1")
        try check(minSuspicionTimeout >= .zero, "minimum suspicion timeout must not be negative")
        try check((0...64).contains(maxLocalHealthMultiplier), "max local health multiplier must be 0…64")
        try check(pushPullInterval > .zero, "push-pull interval must be positive")
        try check(deadMemberRetention >= .zero, "dead member retention must not be negative")
        try check(deadNodeReclaimTime >= .zero, "dead node reclaim time must not be negative")
        try check(joinRetryInitial > .zero, "join retry interval must be positive")
        try check(joinRetryMax >= joinRetryInitial, "join retry maximum must be at least the initial interval")
        try check(leavePropagationTime >= .zero, "leave propagation time must not be negative")
        try check((0...WireFormat.maxMetadataSize).contains(maxMetadataSize), "max metadata size must be 0…512")
        try check(packetOverhead >= 0, "packet overhead must not be negative")
        try check(
            packetBudget >= 1024,
            "max packet size minus overhead (\(packetBudget)) is below 1024, too small for an alive message with full metadata"
        )
        try check(maxPacketSize <= 65_507, "max packet size must fit in one UDP datagram (65507)")
    }

    /// Retransmissions of each update at cluster size `n`.
    public func retransmitLimit(clusterSize n: Int) -> Int {
        retransmitMultiplier * Int(log10(Double(max(n, 1) + 1)).rounded(.up))
    }

    /// The push-pull period at cluster size `n` (memberlist's pushPullScale: longer above 32 members).
    public func pushPullPeriod(clusterSize n: Int) -> Duration {
        guard n > 32 else { return pushPullInterval }
        let multiplier = Int((log2(Double(n)) - log2(32)).rounded(.up)) + 1
        return pushPullInterval * multiplier
    }

    /// The minimum and maximum suspicion timeouts at cluster size `n` (before the local health
    /// multiplier scales them), neither below `minSuspicionTimeout`.
    public func suspicionTimeoutBounds(clusterSize n: Int) -> (min: Duration, max: Duration) {
        let scale = max(1, log10(Double(max(n, 1))))
        let minimum = probeInterval.scaled(by: suspicionMultiplier * scale)
        let maximum = minimum.scaled(by: suspicionMaxTimeoutMultiplier)
        return (max(minimum, minSuspicionTimeout), max(maximum, minSuspicionTimeout))
    }

    /// Independent confirmations Lifeguard expects before the suspicion timeout reaches its minimum.
    public var expectedSuspicionConfirmations: Int {
        max(0, Int((suspicionMultiplier - 2).rounded(.down)))
    }
}
