/// A request the SWIM core refuses (invalid settings, oversized metadata, a bad name), with the reason.
public struct SWIMError: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String

    public init(message: String) {
        self.message = message
    }

    public var description: String { message }
}
