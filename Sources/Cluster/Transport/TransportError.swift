/// A gossip transport failure the caller can act on: a bad address, a port in use, a peer that
/// did not answer, a packet the core built too large.
///
/// Received packets that fail to open are never thrown: they are dropped and counted
/// (`GossipTransport.datagramDrops`). Only a push-pull reply that fails to open is thrown at the
/// initiator, with `openFailure` saying why.
public struct TransportError: Error, Hashable, Sendable, CustomStringConvertible {
    private enum Code: Hashable, Sendable {
        case invalidAddress
        case bindFailed
        case tooLarge
        case closed
        case alreadyRunning
        case connectFailed
        case timedOut
        case noReply
        case replyRejected
        case sealFailed
        case ioFailed
    }

    private let code: Code

    /// What went wrong, naming the address or limit concerned.
    public let message: String

    /// Why the peer's reply was rejected, for a rejected push-pull reply.
    public let openFailure: PacketOpenError.Reason?

    private init(_ code: Code, _ message: String, openFailure: PacketOpenError.Reason? = nil) {
        self.code = code
        self.message = message
        self.openFailure = openFailure
    }

    public var description: String { message }

    static func invalidAddress(_ message: String) -> TransportError { TransportError(.invalidAddress, message) }
    static func bindFailed(_ message: String) -> TransportError { TransportError(.bindFailed, message) }
    static func tooLarge(_ message: String) -> TransportError { TransportError(.tooLarge, message) }
    static func closed(_ message: String) -> TransportError { TransportError(.closed, message) }
    static func alreadyRunning(_ message: String) -> TransportError { TransportError(.alreadyRunning, message) }
    static func connectFailed(_ message: String) -> TransportError { TransportError(.connectFailed, message) }
    static func timedOut(_ message: String) -> TransportError { TransportError(.timedOut, message) }
    static func noReply(_ message: String) -> TransportError { TransportError(.noReply, message) }
    static func replyRejected(_ failure: PacketOpenError, from peer: String) -> TransportError {
        TransportError(
            .replyRejected, "push-pull reply from \(peer) rejected: \(failure.message)", openFailure: failure.reason)
    }
    static func sealFailed(_ message: String) -> TransportError { TransportError(.sealFailed, message) }
    static func ioFailed(_ message: String) -> TransportError { TransportError(.ioFailed, message) }

    /// An address could not be parsed or resolved.
    public var isInvalidAddress: Bool { code == .invalidAddress }
    /// A socket could not be bound (port in use, address not on this machine).
    public var isBindFailure: Bool { code == .bindFailed }
    /// A packet or frame exceeds the configured maximum.
    public var isTooLarge: Bool { code == .tooLarge }
    /// The transport is closed.
    public var isClosed: Bool { code == .closed }
    /// The push-pull peer could not be reached.
    public var isConnectFailure: Bool { code == .connectFailed }
    /// Connecting or the exchange took longer than its timeout.
    public var isTimeout: Bool { code == .timedOut }
    /// The peer closed without replying (typically: it could not open our frame).
    public var isNoReply: Bool { code == .noReply }
    /// The peer's reply did not open (see `openFailure`).
    public var isReplyRejected: Bool { code == .replyRejected }
}
