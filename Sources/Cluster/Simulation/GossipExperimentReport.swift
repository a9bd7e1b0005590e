/// What a `GossipExperiment` measured. Times are seconds of virtual time; nil where the phase did
/// not finish within the experiment's phase limit.
public struct GossipExperimentReport: Hashable, Sendable, Codable {
    /// How long news of a join took to reach shares of the cluster's `of` members.
    public struct Spread: Hashable, Sendable, Codable {
        public var reached: Int
        public var of: Int
        public var p50: Double?
        public var p99: Double?
        public var p9999: Double?
        public var p100: Double?

        init(delays: [Duration], of total: Int) {
            let sorted = delays.sorted()
            reached = sorted.count
            of = total
            /// The delay by which ⌈share · total⌉ members knew, if that many ever did.
            func quantile(_ share: Double) -> Double? {
                let needed = max(1, Int((Double(total) * share).rounded(.up)))
                return needed <= sorted.count ? sorted[needed - 1].seconds : nil
            }
            p50 = quantile(0.5)
            p99 = quantile(0.99)
            p9999 = quantile(0.9999)
            p100 = quantile(1)
        }
    }

    /// How long a crash took to be suspected somewhere and declared dead everywhere.
    public struct Detection: Hashable, Sendable, Codable {
        public var firstSuspectedAfter: Double?
        public var deadEverywhereAfter: Double?
        /// Members that declared it dead, of the `of` members that should.
        public var deadAt: Int
        public var of: Int
    }

    /// Steady-state traffic sent per member per second (received is the same on average).
    public struct Traffic: Hashable, Sendable, Codable {
        public var packets: Double
        public var messages: Double
        /// UDP payload bytes (codec output: add sealing overhead and 28 B of IP and UDP headers).
        public var bytes: Double
        /// Push-pull (TCP) full-state bytes, requests and replies.
        public var pushPullBytes: Double
        public var largestPacket: Int
        public var oversizedPackets: Int

        init(_ total: TrafficCounters, members: Int, seconds: Double, largestPacket: Int, oversizedPackets: Int) {
            let scale = 1 / (Double(members) * max(seconds, 1e-9))
            packets = Double(total.packets) * scale
            messages = Double(total.messages) * scale
            bytes = Double(total.bytes) * scale
            pushPullBytes = Double(total.pushPullBytes) * scale
            self.largestPacket = largestPacket
            self.oversizedPackets = oversizedPackets
        }
    }

    public var members: Int
    public var lossRate: Double
    public var seed: UInt64
    public var steadySeconds: Double
    public var join: Spread
    public var crash: Detection
    public var traffic: Traffic
    /// Distinct wrong suspicions (a live member at one incarnation) during the whole run.
    public var falseSuspicions: Int
    /// Suspect events about live members, summed over the members that recorded them.
    public var falseSuspectEvents: Int
    /// Live members declared dead by anyone, and the dead events about them.
    public var falseDeaths: Int
    public var falseDeadEvents: Int
    public var simulatedSeconds: Double
    public var eventsProcessed: Int
}
