/// What the SWIM core asks its shell to do after an input. The shell carries directives out in order.
public enum SWIMDirective: Hashable, Sendable {
    /// Send these encoded packet bytes (at most `settings.packetBudget`) over UDP; the shell seals them.
    case send(bytes: [UInt8], to: Endpoint)
    /// Open a TCP push-pull with `endpoint`: send `pushPullRequest(join:)`'s bytes, hand the answer to
    /// `onPushPullResponse(_:from:now:)`.
    case startPushPull(with: Endpoint, join: Bool)
    /// The membership changed; publish a new snapshot and tell subscribers.
    case event(MembershipEvent)
    /// A graceful leave has had its propagation time; the shell may stop the member now.
    case leaveFinished
    /// Call `onTick(now:)` no later than this time (every input returns one, last).
    case wakeUp(at: Duration)
}
