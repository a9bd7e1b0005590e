/// The fixed timetable of an open-loop run: request `i` is due `i / rate` seconds after the start,
/// whether or not earlier requests have been answered.
///
/// Latency is measured from a request's due time, not from when a free stream finally sent it, so a
/// server that stalls is charged for every request it delayed (no coordinated omission).
struct OpenLoopTimetable: Hashable, Sendable {
    /// Requests per second, > 0.
    let rate: Double
    /// A send more than this much after its due time counts as late: the load generator had no free
    /// stream (every stream waited for an answer) or no CPU in time, and the offered rate slipped.
    static let lateness: Int64 = 1_000_000

    init(rate: Double) {
        self.rate = rate
    }

    /// Nanoseconds from the start of the run to the due time of request `ticket` (0-based).
    func dueOffset(ofTicket ticket: Int) -> Int64 {
        Int64((Double(ticket) * 1e9 / rate).rounded())
    }

    /// How many requests a run of `nanoseconds` holds: those due strictly before its end.
    func ticketCount(forNanoseconds nanoseconds: Int64) -> Int {
        guard nanoseconds > 0 else { return 0 }
        let exact = Double(nanoseconds) * rate / 1e9
        var count = Int(exact.rounded(.up))
        // Rounding may land one off at an exact boundary: the due time decides.
        while count > 0 && dueOffset(ofTicket: count - 1) >= nanoseconds { count -= 1 }
        while dueOffset(ofTicket: count) < nanoseconds { count += 1 }
        return count
    }

    /// Whether a request sent `sentOffset` nanoseconds after the start was late for `ticket`.
    func isLate(ticket: Int, sentOffset: Int64) -> Bool {
        sentOffset - dueOffset(ofTicket: ticket) > Self.lateness
    }
}
