/// Everything the supervisor reacts to, delivered one at a time to its loop.
enum SupervisorEvent: Sendable {
    /// A child process ended (reaped with `waitpid`).
    case exited(pid: Int32, status: ChildExitStatus)
    /// A readiness check of the child running as `pid` found it in `phase`.
    case probed(name: String, pid: Int32, phase: ChildPhase)
    /// A restart's back-off is over.
    case restartDue(name: String)
    /// SIGTERM, SIGINT or SIGHUP reached the supervisor.
    case stopRequested(signal: Int32)
    /// A shutdown stage's grace period ran out.
    case graceExpired(stage: Int)
}
