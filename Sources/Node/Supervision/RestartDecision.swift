/// What the supervisor does about a child that exited while it should have kept running.
enum RestartDecision: Hashable, Sendable {
    /// Start it again after `delay`; `crashes` counts the crashes since it last ran stably.
    case restart(after: Duration, crashes: Int)
    /// It crashed `crashes` times within `window`: report it once and leave it down.
    case crashLooping(crashes: Int, window: Duration)
}
