import Cluster

/// Where a murmur HTTP port listens: the gateway's `--gateway` URL or a node's `http` address.
///
/// Every murmur HTTP port speaks prior-knowledge h2c, so only plain `http://` is accepted.
struct HTTPAddress: Hashable, Sendable, CustomStringConvertible {
    var host: String
    var port: UInt16

    init(host: String, port: UInt16) {
        self.host = host
        self.port = port
    }

    /// Parses `http://host:port` (a trailing `/` is allowed; no port means 80), as given to `--gateway`.
    init(url text: String) throws(OperationsError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let lowered = trimmed.lowercased()
        if lowered.hasPrefix("https://") {
            throw OperationsError(
                "'\(text)': https is not supported; murmur's plaintext ports speak h2c, write http://host:port")
        }
        guard lowered.hasPrefix("http://") else {
            throw OperationsError("'\(text)' is not an http:// URL; write http://host:port, like http://127.0.0.1:8080")
        }
        var rest = Substring(trimmed.dropFirst("http://".count))
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        guard !rest.contains("/"), !rest.contains("?"), !rest.contains("@") else {
            throw OperationsError("'\(text)' has a path, query or user part; write just http://host:port")
        }
        let hostPort: String
        if rest.hasPrefix("[") {
            hostPort = rest.hasSuffix("]") ? "\(rest):80" : String(rest)
        } else {
            hostPort = rest.contains(":") ? String(rest) : "\(rest):80"
        }
        do {
            let endpoint = try Endpoint(parsing: hostPort)
            self.init(host: endpoint.host, port: endpoint.port)
        } catch {
            throw OperationsError("'\(text)' is not a usable URL: \(error.message)")
        }
        guard port != 0 else { throw OperationsError("'\(text)' has port 0; give the port the gateway listens on") }
    }

    /// Parses a member's `http` field (`host:port`). A wildcard host (`0.0.0.0`, `::`) means "every
    /// interface of that machine", so `fallbackHost` (the host the gateway was reached at) is used.
    init(member text: String, fallbackHost: String) throws(OperationsError) {
        do {
            let endpoint = try Endpoint(parsing: text)
            let wildcard = endpoint.host == "0.0.0.0" || endpoint.host == "::" || endpoint.host == "[::]"
            self.init(host: wildcard ? fallbackHost : endpoint.host, port: endpoint.port)
        } catch {
            throw OperationsError("HTTP address '\(text)': \(error.message)")
        }
    }

    /// `host:port` as sent in `:authority` (IPv6 hosts in brackets).
    var authority: String { Endpoint(host: host, port: port).description }

    /// `http://host:port`.
    var description: String { "http://\(authority)" }
}
