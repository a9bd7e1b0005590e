/// Local stalls: timers that fire late because the local process did not run (SIGSTOP, a GC or VM
/// pause, a CPU-starved machine).
///
/// While a process is not running, the answers it waits for pile up unread in its socket buffer,
/// and when it runs again its timer may well fire before it reads them. Judging a probe or a
/// suspicion at that moment blames a live member for the local member's own silence: a stalled
/// gateway on a loaded machine suspected, and even declared dead, a node that had answered in
/// time. So a timer that fires later than `stallTolerance` after it was due counts as a stall of
/// the local member: the local health multiplier rises (Lifeguard: it missed its own deadline,
/// as memberlist counts a probe that starts late), and whatever fell due during the stall is
/// given another, now longer, chance instead of being judged — the probe is sent again and the
/// suspicions wait a little longer, so the unread answers are read first.
extension SWIMInstance {
    /// How late a timer may fire before it counts as a stall: half the (scaled) probe timeout, so
    /// the tolerance grows with the multiplier and a member that is always somewhat late settles
    /// at the multiplier where its lateness is tolerated, instead of deferring judgement forever.
    var stallTolerance: Duration { localHealth.scale(settings.probeTimeout) / 2 }

    /// The earliest probe or suspicion deadline that is due at `now`, if any: the timer this tick
    /// is for.
    func earliestDueDeadline(now: Duration) -> Duration? {
        var earliest: Duration?
        func consider(_ time: Duration) {
            guard time <= now else { return }
            if earliest.map({ time < $0 }) ?? true { earliest = time }
        }
        if let probe {
            consider(probe.indirectSent ? probe.endDeadline : probe.directDeadline)
        } else {
            consider(nextProbeAt)
        }
        for suspicion in suspicions.values {
            consider(suspicion.deadline)
        }
        return earliest
    }

    /// Detects a stall at a tick and, if there was one, raises the local health multiplier and
    /// defers judging what fell due meanwhile. Returns whether the tick was a stall.
    @discardableResult
    mutating func deferJudgement(now: Duration, into directives: inout [SWIMDirective]) -> Bool {
        guard let due = earliestDueDeadline(now: now), now - due > stallTolerance else { return false }
        localHealth.apply(1)
        let grace = localHealth.scale(settings.probeTimeout)
        if let current = probe, now >= (current.indirectSent ? current.endDeadline : current.directDeadline) {
            // Probe again from the start, with the same sequence: an ack waiting unread still counts.
            let interval = localHealth.scale(settings.probeInterval)
            probe = ProbeInFlight(
                target: current.target,
                targetEndpoint: current.targetEndpoint,
                sequence: current.sequence,
                directDeadline: now + grace,
                endDeadline: now + interval
            )
            nextProbeAt = now + interval
            send(
                pingMessages(to: current.target, sequence: current.sequence), to: current.targetEndpoint,
                into: &directives)
        }
        for (name, suspicion) in suspicions where suspicion.deadline <= now {
            // A refutation may be waiting unread.
            suspicions[name]?.postpone(until: now + grace)
        }
        return true
    }
}
