/// A failure of `murmur status` or `murmur rolling-restart`, as one line a person can act on.
struct OperationsError: Error, Hashable, Sendable, CustomStringConvertible {
    var message: String

    init(_ message: String) {
        self.message = message
    }

    var description: String { message }
}
