import Foundation

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

    /// Parses `host:port`, `[v6-address]:port` (as in `--gossip` and `--seeds`).
    public init(parsing text: String) throws(SWIMError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let host: Substring
        let portText: Substring
        if trimmed.hasPrefix("[") {
            guard let close = trimmed.firstIndex(of: "]"), trimmed[close...].hasPrefix("]:") else {
                throw SWIMError(message: "'\(text)' is not [address]:port")
            }
            host = trimmed[trimmed.index(after: trimmed.startIndex)..<close]
            portText = trimmed[trimmed.index(close, offsetBy: 2)...]
        } else {
            guard let colon = trimmed.lastIndex(of: ":"), !trimmed[..<colon].contains(":") else {
                throw SWIMError(message: "'\(text)' is not host:port (write IPv6 addresses as [address]:port)")
            }
            host = trimmed[..<colon]
            portText = trimmed[trimmed.index(after: colon)...]
        }
        guard !host.isEmpty, host.utf8.count <= WireFormat.maxHostLength else {
            throw SWIMError(message: "'\(text)' has an empty or overlong host")
        }
        guard let port = UInt16(portText) else {
            throw SWIMError(message: "'\(text)' has no valid port (0…65535)")
        }
        self.init(host: String(host), port: port)
    }

    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
