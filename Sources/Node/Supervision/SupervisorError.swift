/// `murmur up` could not do its own part: create the run directory, write the admin token, open a log
/// or start a process (as opposed to a child that started and then failed).
struct SupervisorError: Error, Hashable, Sendable, CustomStringConvertible {
    /// e.g. `cannot open log .murmur/logs/node-0.log: Permission denied`.
    let message: String

    init(_ message: String) {
        self.message = message
    }

    var description: String { message }
}
