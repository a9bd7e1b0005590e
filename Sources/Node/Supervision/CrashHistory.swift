/// One child's recent crashes, deciding with a ``RestartPolicy`` whether and when it is restarted.
///
/// Times are durations since an arbitrary origin the caller keeps fixed (the supervisor's start), so
/// tests drive it with plain numbers and no clock.
struct CrashHistory: Hashable, Sendable {
    let policy: RestartPolicy
    /// Crashes since the child last ran for `stableUptime`; sets the back-off.
    private(set) var consecutiveCrashes = 0
    /// When the crashes inside the current window happened, oldest first.
    private(set) var recentCrashes: [Duration] = []
    /// Set once the child was declared crash-looping; it is never restarted after that.
    private(set) var isCrashLooping = false

    init(policy: RestartPolicy = RestartPolicy()) {
        self.policy = policy
    }

    /// Records that the child exited at `time` after running for `uptime`, and decides what to do.
    /// A crash-looping child stays crash-looping: later calls keep answering `.crashLooping`.
    mutating func recordExit(
        at time: Duration, uptime: Duration, using random: inout some RandomNumberGenerator
    ) -> RestartDecision {
        if uptime >= policy.stableUptime && !isCrashLooping {
            consecutiveCrashes = 0
            recentCrashes.removeAll()
        }
        consecutiveCrashes += 1
        recentCrashes.append(time)
        recentCrashes.removeAll { time - $0 >= policy.crashLoopWindow }
        if isCrashLooping || recentCrashes.count >= policy.crashLoopThreshold {
            isCrashLooping = true
            return .crashLooping(crashes: recentCrashes.count, window: policy.crashLoopWindow)
        }
        return .restart(
            after: policy.delay(afterCrashes: consecutiveCrashes, using: &random), crashes: consecutiveCrashes)
    }
}
