/// Why the HTTP server could not start or run: a bad setting, an unreadable certificate, a port
/// already taken. The message names the setting or file and what to change.
public struct HTTPServerError: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
