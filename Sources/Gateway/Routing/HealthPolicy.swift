/// The knobs of backend health: active checks (HAProxy), passive outlier ejection (Envoy), slow
/// start and the per-backend in-flight cap.
///
/// Out-of-range values never crash anything: counts below 1 act as 1, negative durations as zero,
/// percentages are clamped to 0...100. Config loading is where bad values are reported to a person.
public struct HealthPolicy: Sendable, Hashable {
    /// Consecutive successful checks that bring a down backend up (HAProxy `rise`, default 2).
    public var rise: Int
    /// Consecutive failed checks that take an up backend down (HAProxy `fall`, default 3).
    public var fall: Int
    /// Time between checks of a backend that is fully up (HAProxy `inter`, default 2 s).
    public var checkInterval: Duration
    /// Time between checks of a backend that is down or transitioning (HAProxy `fastinter`,
    /// default 500 ms), so a failure is confirmed and a recovery noticed quickly.
    public var fastCheckInterval: Duration
    /// Consecutive request failures that eject a backend (Envoy `consecutive_5xx`, default 5);
    /// 0 turns passive ejection off.
    public var consecutiveFailures: Int
    /// The first ejection lasts this long; the n-th lasts n times as long (default 10 s).
    public var baseEjectionTime: Duration
    /// No ejection lasts longer than this (default 300 s).
    public var maxEjectionTime: Duration
    /// At most this share of the live backends (rounded down) is ejected at once (default 50):
    /// with a single backend nothing is ever ejected, since there is nowhere else to go.
    public var maxEjectionPercent: Int
    /// A backend that becomes eligible again ramps its weight and in-flight cap linearly from 10 %
    /// to 100 % over this time (HAProxy `slowstart`, default 5 s); zero turns slow start off.
    public var slowStart: Duration
    /// The most requests in flight to one backend at full weight (default 1024).
    public var maxInFlightPerBackend: Int

    public init(
        rise: Int = 2,
        fall: Int = 3,
        checkInterval: Duration = .seconds(2),
        fastCheckInterval: Duration = .milliseconds(500),
        consecutiveFailures: Int = 5,
        baseEjectionTime: Duration = .seconds(10),
        maxEjectionTime: Duration = .seconds(300),
        maxEjectionPercent: Int = 50,
        slowStart: Duration = .seconds(5),
        maxInFlightPerBackend: Int = 1024
    ) {
        self.rise = rise
        self.fall = fall
        self.checkInterval = checkInterval
        self.fastCheckInterval = fastCheckInterval
        self.consecutiveFailures = consecutiveFailures
        self.baseEjectionTime = baseEjectionTime
        self.maxEjectionTime = maxEjectionTime
        self.maxEjectionPercent = maxEjectionPercent
        self.slowStart = slowStart
        self.maxInFlightPerBackend = maxInFlightPerBackend
    }

    /// The weight a backend starts its slow start with.
    public static let slowStartInitialWeight = 0.1

    var effectiveRise: Int { max(rise, 1) }
    var effectiveFall: Int { max(fall, 1) }
    /// HAProxy's health counter ceiling: `rise + fall - 1`.
    var maxCheckHealth: Int { effectiveRise + effectiveFall - 1 }
    var effectiveCheckInterval: Duration { max(checkInterval, .zero) }
    var effectiveFastCheckInterval: Duration { max(fastCheckInterval, .zero) }
    var ejectionEnabled: Bool { consecutiveFailures > 0 && baseEjectionTime > .zero }
    var effectiveMaxEjectionPercent: Int { min(max(maxEjectionPercent, 0), 100) }
    var effectiveMaxInFlight: Int { max(maxInFlightPerBackend, 1) }

    /// How many multiples of the base ejection time reach the cap: the ejection count stops there.
    var maxEjectionSteps: Int {
        guard baseEjectionTime > .zero else { return 1 }
        let steps = (max(maxEjectionTime, baseEjectionTime) / baseEjectionTime).rounded(.up)
        return steps >= 1_000_000 ? 1_000_000 : max(Int(steps), 1)
    }

    /// The length of the n-th (1-based) ejection: `base × n`, capped at `maxEjectionTime`.
    func ejectionDuration(count: Int) -> Duration {
        let cap = max(maxEjectionTime, baseEjectionTime)
        return min(baseEjectionTime * min(max(count, 1), maxEjectionSteps), cap)
    }
}
