/// A compound UDP packet: one or more messages, encoded together within the packet budget.
public struct SWIMPacket: Hashable, Sendable {
    public var messages: [SWIMMessage]

    public init(messages: [SWIMMessage]) {
        self.messages = messages
    }
}
