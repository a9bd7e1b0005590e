/// Requests, failures and latencies of the last ten seconds, in one-second buckets: what the
/// status page shows as a rate and as p50/p99.
///
/// A pure value on an injected clock (`Duration` since some origin). Recording is a few stores
/// into preallocated arrays (a bucket that rolls over to a new second is zeroed in place), so it
/// never allocates. Latencies go into log-linear bins (8 per power of two of microseconds, so a
/// reported percentile is within about 6 % of the true one); a percentile is the midpoint of its bin.
public struct RequestWindow: Sendable {
    /// How many one-second buckets the window keeps.
    public static let bucketCount = 10
    /// Values below this many microseconds get a bin each; above, 8 bins per power of two.
    static let linearBins = 16
    static let binsPerOctave = 8
    /// Octaves 2^4 … 2^39 µs (about 6 days); longer latencies land in the last bin.
    static let latencyBins = linearBins + (39 - 4 + 1) * binsPerOctave

    /// When the window started observing: rates are not averaged over time before it.
    public let origin: Duration
    /// The absolute second each bucket holds, -1 when it holds none yet.
    private var bucketSeconds: [Int64]
    private var requests: [Int]
    private var failures: [Int]
    /// `bucketCount × latencyBins` counts, bucket-major.
    private var latencyCounts: [UInt32]

    public init(origin: Duration) {
        self.origin = origin
        bucketSeconds = Array(repeating: -1, count: Self.bucketCount)
        requests = Array(repeating: 0, count: Self.bucketCount)
        failures = Array(repeating: 0, count: Self.bucketCount)
        latencyCounts = Array(repeating: 0, count: Self.bucketCount * Self.latencyBins)
    }

    /// Records one request that ended at `time` after `latency`; `failed` when it was not served.
    public mutating func record(at time: Duration, latency: Duration, failed: Bool) {
        let second = Self.second(of: time)
        let slot = Self.slot(of: second)
        if bucketSeconds[slot] != second {
            bucketSeconds[slot] = second
            requests[slot] = 0
            failures[slot] = 0
            let start = slot * Self.latencyBins
            for bin in start..<(start + Self.latencyBins) { latencyCounts[bin] = 0 }
        }
        requests[slot] += 1
        if failed { failures[slot] += 1 }
        let bin = slot * Self.latencyBins + Self.bin(ofMicroseconds: Self.microseconds(latency))
        latencyCounts[bin] &+= 1
    }

    /// The window as seen at `time`: the buckets of the current second and the nine before it.
    public func summary(at time: Duration) -> TrafficSummary {
        let current = Self.second(of: time)
        var total = 0
        var failed = 0
        var live: [Int] = []
        live.reserveCapacity(Self.bucketCount)
        for slot in 0..<Self.bucketCount {
            let second = bucketSeconds[slot]
            guard second >= 0, second <= current, current - second < Int64(Self.bucketCount) else { continue }
            total += requests[slot]
            failed += failures[slot]
            live.append(slot)
        }
        // The buckets span the nine whole seconds before this one and the part of this one gone by;
        // a window younger than that is averaged over its age (at least one second).
        let intoSecond = Self.seconds(time) - Double(current)
        let span = min(Double(Self.bucketCount - 1) + intoSecond, Self.seconds(time - origin))
        let seconds = max(span, 1)
        guard total > 0 else {
            return TrafficSummary(requests: 0, failures: 0, requestsPerSecond: 0, errorsPerSecond: 0)
        }
        return TrafficSummary(
            requests: total,
            failures: failed,
            requestsPerSecond: Double(total) / seconds,
            errorsPerSecond: Double(failed) / seconds,
            p50Milliseconds: percentile(0.50, of: total, in: live),
            p99Milliseconds: percentile(0.99, of: total, in: live)
        )
    }

    private func percentile(_ quantile: Double, of total: Int, in slots: [Int]) -> Double? {
        let rank = max(1, Int((quantile * Double(total)).rounded(.up)))
        var seen = 0
        for bin in 0..<Self.latencyBins {
            for slot in slots { seen += Int(latencyCounts[slot * Self.latencyBins + bin]) }
            if seen >= rank { return Self.midpointMicroseconds(ofBin: bin) / 1000 }
        }
        return nil
    }

    // MARK: Bins

    static func bin(ofMicroseconds value: UInt64) -> Int {
        guard value >= UInt64(linearBins) else { return Int(value) }
        let exponent = 63 - value.leadingZeroBitCount
        guard exponent <= 39 else { return latencyBins - 1 }
        let sub = Int((value >> UInt64(exponent - 3)) & 7)
        return linearBins + (exponent - 4) * binsPerOctave + sub
    }

    /// The middle of the values that fall into `bin`, in microseconds.
    static func midpointMicroseconds(ofBin bin: Int) -> Double {
        guard bin >= linearBins else { return Double(bin) }
        let exponent = (bin - linearBins) / binsPerOctave + 4
        let sub = (bin - linearBins) % binsPerOctave
        let width = Double(UInt64(1) << UInt64(exponent - 3))
        return Double(8 + sub) * width + width / 2
    }

    // MARK: Time

    private static func second(of time: Duration) -> Int64 {
        max(time.components.seconds, 0)
    }

    private static func slot(of second: Int64) -> Int {
        Int(second % Int64(bucketCount))
    }

    private static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }

    private static func microseconds(_ duration: Duration) -> UInt64 {
        let (seconds, attoseconds) = duration.components
        guard seconds >= 0 else { return 0 }
        guard seconds < 1_000_000_000 else { return UInt64.max }
        return UInt64(seconds) * 1_000_000 + UInt64(attoseconds / 1_000_000_000_000)
    }
}
