/// A gossip address: the host and UDP port a member listens on for SWIM packets.
///
/// The host is kept as text (an IP literal or a name) because the core never resolves it; the
/// transport shell does.
public struct Endpoint: Hashable, Sendable, CustomStringConvertible {
    public var host: String
    public var port: UInt16

    public init(host: String, port: UInt16) {
        self.host = host
        self.port = port
    }

    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
