public import NIOCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Turns a gossip endpoint into the socket addresses to reach it at.
///
/// IP literals are used as they are; names are looked up every time `resolve` is called (it blocks
/// on DNS, so callers never hold a lock across it). A name may stand for several members: a
/// Kubernetes headless service resolves to the IP of every ready pod, and those change as pods are
/// rescheduled, which is why seeds are resolved again on every join attempt rather than once.
public struct HostResolver: Sendable {
    private let lookup: @Sendable (_ host: String, _ port: Int) throws -> [SocketAddress]

    /// A resolver that asks `lookup` for every name (tests inject a scripted one).
    public init(lookup: @escaping @Sendable (_ host: String, _ port: Int) throws -> [SocketAddress]) {
        self.lookup = lookup
    }

    /// The system resolver (`getaddrinfo`): every IPv4 and IPv6 address of the name, in its order.
    public static let system = HostResolver { host, port in try systemLookup(host, port: port) }

    /// The address of `endpoint` if its host is an IP literal (no lookup needed).
    public static func literalAddress(of endpoint: Endpoint) -> SocketAddress? {
        try? SocketAddress(ipAddress: endpoint.host, port: Int(endpoint.port))
    }

    /// The addresses of `endpoint`: one for an IP literal, all the name resolves to otherwise
    /// (duplicates removed); an error names the endpoint when the name cannot be resolved.
    public func resolve(_ endpoint: Endpoint) throws(TransportError) -> [SocketAddress] {
        if let literal = Self.literalAddress(of: endpoint) { return [literal] }
        let found: [SocketAddress]
        do {
            found = try lookup(endpoint.host, Int(endpoint.port))
        } catch {
            throw .invalidAddress("cannot resolve host '\(endpoint.host)' of \(endpoint): \(error)")
        }
        var unique: [SocketAddress] = []
        for address in found where !unique.contains(address) {
            unique.append(address)
        }
        guard !unique.isEmpty else {
            throw .invalidAddress("host '\(endpoint.host)' of \(endpoint) has no addresses")
        }
        return unique
    }

    /// A name the system resolver could not resolve.
    struct LookupError: Error, CustomStringConvertible {
        var description: String
    }

    private static func systemLookup(_ host: String, port: Int) throws -> [SocketAddress] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
            hints.ai_socktype = Int32(SOCK_DGRAM.rawValue)
        #else
            hints.ai_socktype = SOCK_DGRAM
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0 else {
            throw LookupError(description: String(cString: gai_strerror(status)))
        }
        defer { freeaddrinfo(list) }
        var addresses: [SocketAddress] = []
        var entry = list
        while let current = entry {
            if let raw = UnsafeRawPointer(current.pointee.ai_addr) {
                switch current.pointee.ai_family {
                case AF_INET:
                    addresses.append(SocketAddress(raw.loadUnaligned(as: sockaddr_in.self), host: host))
                case AF_INET6:
                    addresses.append(SocketAddress(raw.loadUnaligned(as: sockaddr_in6.self), host: host))
                default:
                    break
                }
            }
            entry = current.pointee.ai_next
        }
        return addresses
    }
}
