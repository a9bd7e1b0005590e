public import NIOCore

extension Endpoint {
    /// The endpoint of a socket address, if it is an IP address.
    public init?(_ address: SocketAddress) {
        guard let ip = address.ipAddress, let port = address.port, let port16 = UInt16(exactly: port) else {
            return nil
        }
        self.init(host: ip, port: port16)
    }

    /// The socket address; IP literals are used as they are, names are resolved (which blocks on DNS:
    /// resolve once, not per packet).
    public func resolve() throws(TransportError) -> SocketAddress {
        if let literal = try? SocketAddress(ipAddress: host, port: Int(port)) { return literal }
        do {
            return try SocketAddress.makeAddressResolvingHost(host, port: Int(port))
        } catch {
            throw .invalidAddress("cannot resolve host '\(host)' of \(description): \(error)")
        }
    }
}
