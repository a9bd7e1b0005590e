/// Where a supervised child is in its life, as `murmur up` shows it.
enum ChildPhase: Hashable, Sendable {
    /// Spawned, not answering HTTP yet (a node loads its model before it opens its port).
    case starting
    /// Answering HTTP but `/ready` says not yet (a node warming up, a gateway with no healthy node).
    case waiting
    case ready
    /// Exited unexpectedly; restarting after a back-off.
    case restarting
    /// Exited too often too fast; left down.
    case crashLooping

    /// The word shown for a child of `role` in this phase.
    func label(for role: ChildPlan.Role) -> String {
        switch (self, role) {
        case (.starting, .node): "loading"
        case (.starting, .gateway): "starting"
        case (.waiting, .node): "starting"
        case (.waiting, .gateway): "waiting for nodes"
        case (.ready, _): "ready"
        case (.restarting, _): "restarting"
        case (.crashLooping, _): "crash-looping"
        }
    }

    /// Whether start-up has nothing more to wait for from this child.
    var isSettled: Bool { self == .ready || self == .crashLooping }
}
