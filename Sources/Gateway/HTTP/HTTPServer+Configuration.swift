public import NIOCore

extension HTTPServer {
    /// Where the server listens and the limits every connection and request is held to. The
    /// defaults follow DESIGN.md (2 MiB body) and common HTTP/2 server practice.
    public struct Configuration: Sendable, Hashable {
        /// Address of the plaintext listener (HTTP/1.1 and prior-knowledge h2c on one port).
        public var host: String
        /// Port of the plaintext listener; 0 picks a free one (see `HTTPServer.localAddress`).
        public var port: Int
        /// An optional second listener speaking TLS, with ALPN `h2` and `http/1.1`.
        public var tls: TLS?
        /// Largest request body accepted; larger ones get 413 without being buffered.
        public var maxBodyBytes: Int
        /// HTTP/2 streams a client may have open at once on one connection (sent in SETTINGS).
        public var maxConcurrentStreams: Int
        /// Largest request header list (HTTP/2 SETTINGS_MAX_HEADER_LIST_SIZE; HTTP/1 answers 431).
        public var maxHeaderListBytes: Int
        /// A connection with no request in flight for this long is closed; so is a response (an
        /// HTTP/2 stream, or an HTTP/1 connection) whose bytes the client has not taken for this long.
        public var idleTimeout: TimeAmount
        /// A request whose body has not fully arrived this long after its head gets 408 and is closed.
        public var requestBodyTimeout: TimeAmount
        /// How long `shutdown()` lets in-flight requests run before closing what is left.
        public var shutdownGracePeriod: TimeAmount

        /// A TLS listener: certificate chain and private key as PEM files.
        public struct TLS: Sendable, Hashable {
            public var host: String
            public var port: Int
            public var certificateChainPath: String
            public var privateKeyPath: String

            public init(host: String, port: Int, certificateChainPath: String, privateKeyPath: String) {
                self.host = host
                self.port = port
                self.certificateChainPath = certificateChainPath
                self.privateKeyPath = privateKeyPath
            }
        }

        public init(
            host: String = "127.0.0.1",
            port: Int = 8080,
            tls: TLS? = nil,
            maxBodyBytes: Int = 2 * 1024 * 1024,
            maxConcurrentStreams: Int = 128,
            maxHeaderListBytes: Int = 16 * 1024,
            idleTimeout: TimeAmount = .seconds(60),
            requestBodyTimeout: TimeAmount = .seconds(30),
            shutdownGracePeriod: TimeAmount = .seconds(30)
        ) {
            self.host = host
            self.port = port
            self.tls = tls
            self.maxBodyBytes = maxBodyBytes
            self.maxConcurrentStreams = maxConcurrentStreams
            self.maxHeaderListBytes = maxHeaderListBytes
            self.idleTimeout = idleTimeout
            self.requestBodyTimeout = requestBodyTimeout
            self.shutdownGracePeriod = shutdownGracePeriod
        }

        /// Throws an `HTTPServerError` naming the first setting that cannot work.
        public func validate() throws {
            func check(_ ok: Bool, _ message: String) throws {
                if !ok { throw HTTPServerError(message) }
            }
            try check((0...65535).contains(port), "HTTP port \(port) is not in 0...65535.")
            if let tls {
                try check((0...65535).contains(tls.port), "TLS port \(tls.port) is not in 0...65535.")
            }
            try check(maxBodyBytes > 0, "The maximum body size must be positive, not \(maxBodyBytes).")
            try check(
                (1...Int(Int32.max)).contains(maxConcurrentStreams),
                "The maximum concurrent streams must be between 1 and \(Int32.max), not \(maxConcurrentStreams)."
            )
            try check(
                (1024...Int(Int32.max)).contains(maxHeaderListBytes),
                "The maximum header list size must be at least 1024 bytes, not \(maxHeaderListBytes)."
            )
            try check(idleTimeout > .zero, "The idle timeout must be positive.")
            try check(requestBodyTimeout > .zero, "The request body timeout must be positive.")
            try check(shutdownGracePeriod >= .zero, "The shutdown grace period must not be negative.")
        }
    }
}
