public import NIOCore

/// A gossip packet that opened: its plaintext and where it came from.
public struct ReceivedPacket: Sendable {
    /// The plaintext the sender sealed.
    public let payload: [UInt8]
    /// The sender's socket address (its bound address, which may differ from what it advertises).
    public let sender: SocketAddress

    public init(payload: [UInt8], sender: SocketAddress) {
        self.payload = payload
        self.sender = sender
    }
}
