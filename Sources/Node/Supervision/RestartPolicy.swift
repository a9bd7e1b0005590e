/// When `murmur up` restarts a child that exited on its own, and when it gives up.
///
/// The delay grows exponentially with the crashes since the child last ran stably, from `initialDelay`
/// up to `maximumDelay`, lengthened by a random share of up to `jitter` (still capped) so children that
/// died together do not come back in lockstep. A child that crashed `crashLoopThreshold` times within
/// `crashLoopWindow` is crash-looping: restarting it again would only repeat the failure (a port in
/// use, a bad model directory), so it is reported and left down. A child that stayed up for at least
/// `stableUptime` starts counting afresh.
struct RestartPolicy: Hashable, Sendable {
    var initialDelay: Duration = .milliseconds(500)
    var maximumDelay: Duration = .seconds(30)
    /// Share of the delay added at random, in `0...1`.
    var jitter: Double = 0.2
    var crashLoopThreshold = 5
    var crashLoopWindow: Duration = .seconds(60)
    var stableUptime: Duration = .seconds(60)

    /// The wait before the restart that follows the `crashes`-th crash in a row (at least 1), drawing
    /// the jitter from `random`. Always within `initialDelay...maximumDelay`.
    func delay(afterCrashes crashes: Int, using random: inout some RandomNumberGenerator) -> Duration {
        let initial = max(.zero, initialDelay)
        let maximum = max(initial, maximumDelay)
        var delay = initial
        var doublings = max(0, crashes - 1)
        while doublings > 0 && delay < maximum {
            delay = delay > maximum / 2 ? maximum : delay * 2
            doublings -= 1
        }
        let share = min(1, max(0, jitter))
        guard share > 0 else { return min(delay, maximum) }
        let extra = delay * (share * Double.random(in: 0..<1, using: &random))
        return min(delay + extra, maximum)
    }
}
