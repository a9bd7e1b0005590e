public import NIOCore

/// A `host:port` pair as written in configuration and gossiped to peers; IPv6 hosts are written
/// in brackets (`[::1]:7946`).
public struct HostPort: Sendable, Hashable, CustomStringConvertible {
    /// A host name or IP address literal (without brackets).
    public var host: String
    /// A port number, 0 meaning "any free port" when binding.
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `host:port`, `[ipv6]:port` or `ipv6` literal plus port in brackets.
    public init(parsing text: String) throws(TransportError) {
        let trimmed = text.trimmingPrefixAndSuffixSpaces()
        let hostPart: Substring
        let portPart: Substring
        if trimmed.hasPrefix("[") {
            guard let close = trimmed.firstIndex(of: "]") else {
                throw .invalidAddress("'\(text)' opens an IPv6 bracket but never closes it; write [::1]:7946")
            }
            hostPart = trimmed[trimmed.index(after: trimmed.startIndex)..<close]
            let rest = trimmed[trimmed.index(after: close)...]
            guard rest.hasPrefix(":") else {
                throw .invalidAddress("'\(text)' has no port after the IPv6 address; write [::1]:7946")
            }
            portPart = rest.dropFirst()
        } else {
            guard let colon = trimmed.lastIndex(of: ":") else {
                throw .invalidAddress("'\(text)' has no port; write host:port, for example 127.0.0.1:7946")
            }
            hostPart = trimmed[..<colon]
            portPart = trimmed[trimmed.index(after: colon)...]
            guard !hostPart.contains(":") else {
                throw .invalidAddress("'\(text)' looks like an IPv6 address; put it in brackets: [::1]:7946")
            }
        }
        guard !hostPart.isEmpty else {
            throw .invalidAddress("'\(text)' has no host; write host:port, for example 127.0.0.1:7946")
        }
        guard let port = Int(portPart), (0...65_535).contains(port) else {
            throw .invalidAddress("'\(text)' has port '\(portPart)'; a port is a number from 0 to 65535")
        }
        self.host = String(hostPart)
        self.port = port
    }

    /// The address of a socket, if it is an IP address.
    public init?(_ address: SocketAddress) {
        guard let ip = address.ipAddress, let port = address.port else { return nil }
        self.init(host: ip, port: port)
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// The socket address; IP literals are used as they are, names are resolved (which blocks on
    /// DNS: resolve once, not per packet).
    public func resolve() throws(TransportError) -> SocketAddress {
        guard (0...65_535).contains(port) else {
            throw .invalidAddress("\(description) has port \(port); a port is a number from 0 to 65535")
        }
        if let literal = try? SocketAddress(ipAddress: host, port: port) { return literal }
        do {
            return try SocketAddress.makeAddressResolvingHost(host, port: port)
        } catch {
            throw .invalidAddress("cannot resolve host '\(host)' of \(description): \(error)")
        }
    }
}

extension String {
    fileprivate func trimmingPrefixAndSuffixSpaces() -> Substring {
        var slice = self[...]
        while slice.first?.isWhitespace == true { slice = slice.dropFirst() }
        while slice.last?.isWhitespace == true { slice = slice.dropLast() }
        return slice
    }
}
