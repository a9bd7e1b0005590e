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

    /// Parses `host:port` or `[v6-address]:port` (as in `--gossip` and `--seeds`); port 0 means "any free
    /// port" when binding.
    public init(parsing text: String) throws(SWIMError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let host: Substring
        let portText: Substring
        if trimmed.hasPrefix("[") {
            guard let close = trimmed.firstIndex(of: "]") else {
                throw SWIMError(message: "'\(text)' opens an IPv6 bracket but never closes it; write [::1]:7946")
            }
            guard trimmed[close...].hasPrefix("]:") else {
                throw SWIMError(message: "'\(text)' has no port after the IPv6 address; write [::1]:7946")
            }
            host = trimmed[trimmed.index(after: trimmed.startIndex)..<close]
            portText = trimmed[trimmed.index(close, offsetBy: 2)...]
        } else {
            guard let colon = trimmed.lastIndex(of: ":") else {
                throw SWIMError(message: "'\(text)' has no port; write host:port, for example 127.0.0.1:7946")
            }
            guard !trimmed[..<colon].contains(":") else {
                throw SWIMError(message: "'\(text)' looks like an IPv6 address; put it in brackets: [::1]:7946")
            }
            host = trimmed[..<colon]
            portText = trimmed[trimmed.index(after: colon)...]
        }
        guard !host.isEmpty else {
            throw SWIMError(message: "'\(text)' has no host; write host:port, for example 127.0.0.1:7946")
        }
        guard host.utf8.count <= WireFormat.maxHostLength else {
            throw SWIMError(message: "'\(text)' has a host longer than \(WireFormat.maxHostLength) bytes")
        }
        guard let port = UInt16(portText) else {
            throw SWIMError(message: "'\(text)' has port '\(portText)'; a port is a number from 0 to 65535")
        }
        self.init(host: String(host), port: port)
    }

    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
