import Foundation

/// Where `murmur bench` sends its requests: an `http://host[:port][/path]` URL taken apart.
///
/// The load generator speaks prior-knowledge HTTP/2 over cleartext (h2c), as the gateway and the nodes
/// serve it, so only `http` URLs are accepted. A URL without a path (or with just `/`) targets
/// `/v1/embeddings`.
struct BenchTarget: Hashable, Sendable {
    /// The path requests go to when the URL names none.
    static let defaultPath = "/v1/embeddings"

    /// The URL as given, for reports.
    var url: String
    /// Host name or IP address, without IPv6 brackets.
    var host: String
    var port: Int
    /// The request target: path plus optional `?query`.
    var path: String

    init(url: String) throws(CLIError) {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased() else {
            throw CLIError("--url '\(url)' is not a URL; write it like http://127.0.0.1:8080")
        }
        guard scheme == "http" else {
            throw CLIError("--url '\(url)': only http:// (HTTP/2 prior knowledge, h2c) is supported, not \(scheme)://")
        }
        guard var host = components.host, !host.isEmpty else {
            throw CLIError("--url '\(url)' has no host; write it like http://127.0.0.1:8080")
        }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        let port = components.port ?? 80
        guard (1...65_535).contains(port) else {
            throw CLIError("--url '\(url)': port \(port) is outside 1...65535")
        }
        var path = components.percentEncodedPath
        if path.isEmpty || path == "/" { path = Self.defaultPath }
        if let query = components.percentEncodedQuery { path += "?" + query }
        self.url = url
        self.host = host
        self.port = port
        self.path = path
    }

    /// The `:authority` to send: `host:port`, with brackets around an IPv6 address.
    var authority: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
