import Foundation
import NIOCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A descriptor the kernel reports as a listening TCP socket, and the address it listens on: what a
/// gateway hands to its next image on a restart (`ListenerHandOff`) and what the next image checks
/// before adopting it.
struct ListeningSocket: Sendable, Hashable {
    var descriptor: CInt
    var address: SocketAddress

    init(descriptor: CInt, address: SocketAddress) {
        self.descriptor = descriptor
        self.address = address
    }

    /// Asks the kernel what `descriptor` is; throws, saying what it is instead, unless it is an
    /// IPv4 or IPv6 TCP socket in the listening state.
    init(inspecting descriptor: CInt) throws(InheritedListenerError) {
        func failure(_ what: String) -> InheritedListenerError {
            InheritedListenerError("descriptor \(descriptor) is \(what), not a listening TCP socket")
        }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            throw failure("not open (\(String(cString: strerror(errno))))")
        }
        guard status.st_mode & mode_t(S_IFMT) == mode_t(S_IFSOCK) else { throw failure("no socket") }
        guard Self.integerOption(descriptor, SO_TYPE) == CInt(SOCK_STREAM.rawValue) else {
            throw failure("no stream socket")
        }
        guard Self.integerOption(descriptor, SO_PROTOCOL) == CInt(IPPROTO_TCP) else { throw failure("no TCP socket") }
        guard Self.integerOption(descriptor, SO_ACCEPTCONN) == 1 else { throw failure("a socket not listening") }
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let named = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard named == 0 else { throw failure("a socket without a local address") }
        switch CInt(storage.ss_family) {
        case AF_INET:
            let address = withUnsafeBytes(of: storage) { $0.load(as: sockaddr_in.self) }
            self.init(descriptor: descriptor, address: SocketAddress(address))
        case AF_INET6:
            let address = withUnsafeBytes(of: storage) { $0.load(as: sockaddr_in6.self) }
            self.init(descriptor: descriptor, address: SocketAddress(address))
        default:
            throw failure("a socket of address family \(storage.ss_family)")
        }
    }

    /// Why this socket cannot serve as the listener configured at `host:port`, or nil when it can:
    /// the port must be the one configured (any, for port 0) and, when `host` is an IP address,
    /// so must the address. (A host name is not resolved: the socket listening there before the
    /// restart was bound from the same name.)
    func mismatch(host: String, port: Int) -> String? {
        if port != 0, address.port != port {
            return "descriptor \(descriptor) listens on \(address), not on port \(port)"
        }
        if let wanted = try? SocketAddress(ipAddress: host, port: port), wanted.ipAddress != address.ipAddress {
            return "descriptor \(descriptor) listens on \(address), not on \(host)"
        }
        return nil
    }

    /// This process's listening TCP socket bound to `address` (same IP address and port), found
    /// among its open descriptors; nil when there is none.
    static func descriptor(listeningOn address: SocketAddress) -> CInt? {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") else { return nil }
        for name in names {
            guard let descriptor = CInt(name), descriptor > 2,
                let socket = try? ListeningSocket(inspecting: descriptor)
            else { continue }
            if socket.address.port == address.port && socket.address.ipAddress == address.ipAddress {
                return descriptor
            }
        }
        return nil
    }

    /// A second descriptor for the socket `descriptor` refers to (close-on-exec, like any other
    /// until `ProcessImage.execute` is told to keep it), or nil when that fails. It keeps the
    /// socket listening whatever happens to the original: cancelling the server closes that one.
    static func duplicate(_ descriptor: CInt) -> CInt? {
        let copy = fcntl(descriptor, F_DUPFD_CLOEXEC, 3)
        return copy >= 0 ? copy : nil
    }

    private static func integerOption(_ descriptor: CInt, _ option: CInt) -> CInt? {
        var value: CInt = 0
        var length = socklen_t(MemoryLayout<CInt>.size)
        return getsockopt(descriptor, SOL_SOCKET, option, &value, &length) == 0 ? value : nil
    }
}
