public import Logging
public import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization

/// The HTTP front door shared by nodes and the gateway: one plaintext port serving HTTP/1.1 and
/// prior-knowledge h2c (told apart by the HTTP/2 connection preface), an optional TLS port with ALPN
/// `h2` and `http/1.1`, and for every request a call to the `HTTPResponder` with the complete body.
///
/// `bind` opens the listeners (so bound ports are known before serving); `run()` serves until
/// `shutdown()`. Each connection is a child task of a discarding task group; an HTTP/2 stream is
/// served by a handler in its own pipeline (`HTTP2StreamResponder`) with one unstructured task for
/// the responder. No request crosses an actor or holds a lock during I/O. When a stream or
/// connection goes away before its answer is written, the task running the responder is cancelled.
public final class HTTPServer: Sendable {
    typealias Listener = NIOAsyncChannel<EventLoopFuture<HTTPConnection>, Never>

    public let configuration: Configuration
    /// The plaintext listener's address (its real port when the configuration asked for port 0).
    public let localAddress: SocketAddress
    /// The TLS listener's address, when TLS is configured.
    public let tlsLocalAddress: SocketAddress?

    let responder: any HTTPResponder
    let logger: Logger
    let registry: HTTPConnectionRegistry
    private let listeners: [Listener]
    private let eventLoopGroup: any EventLoopGroup
    private let inFlight: HTTPRequestCounter
    private let lifecycle = Mutex(Lifecycle())

    private struct Lifecycle {
        var running = false
        var shuttingDown = false
    }

    /// Requests between their head arriving and their response being written (or abandoned).
    public var inFlightRequests: Int { inFlight.value }

    /// Connections currently open on either listener.
    public var openConnections: Int { registry.count }

    /// Opens the listeners. Throws `HTTPServerError` for a bad configuration or unreadable TLS
    /// files, and NIO's error when an address cannot be bound.
    /// - Parameters:
    ///   - eventLoopGroup: the loops serving connections; nil uses NIO's shared singleton.
    ///   - plaintextSocket: an already listening socket to serve plaintext on instead of binding
    ///     `configuration.host:port` (one inherited from the previous process image); the server
    ///     owns it from here on.
    ///   - tlsSocket: the same for the TLS listener (ignored without TLS in the configuration).
    ///   - acceptingAtOnce: false leaves new connections waiting in the kernel's accept backlog
    ///     until `resumeAccepting()`.
    public static func bind(
        configuration: Configuration,
        responder: any HTTPResponder,
        logger: Logger = Logger(label: "murmur.http"),
        eventLoopGroup: (any EventLoopGroup)? = nil,
        plaintextSocket: NIOBSDSocket.Handle? = nil,
        tlsSocket: NIOBSDSocket.Handle? = nil,
        acceptingAtOnce: Bool = true
    ) async throws -> HTTPServer {
        try configuration.validate()
        let eventLoopGroup = eventLoopGroup ?? MultiThreadedEventLoopGroup.singleton
        let sslContext = try configuration.tls.map(Self.makeSSLContext)
        let registry = HTTPConnectionRegistry()
        let inFlight = HTTPRequestCounter()
        let builder = PipelineBuilder(
            configuration: configuration,
            registry: registry,
            responder: responder,
            inFlight: inFlight
        )
        func listening() -> ServerBootstrap {
            bootstrap(eventLoopGroup, logger: logger).serverChannelOption(.autoRead, value: acceptingAtOnce)
        }

        let plaintext: Listener
        if let plaintextSocket {
            plaintext = try await listening().bind(plaintextSocket) { channel in builder.plaintext(channel) }
        } else {
            plaintext = try await listening().bind(host: configuration.host, port: configuration.port) { channel in
                builder.plaintext(channel)
            }
        }
        var listeners = [plaintext]
        var tlsAddress: SocketAddress?
        if let tls = configuration.tls, let sslContext {
            do {
                let secure: Listener
                if let tlsSocket {
                    secure = try await listening().bind(tlsSocket) { channel in
                        builder.tls(channel, context: sslContext)
                    }
                } else {
                    secure = try await listening().bind(host: tls.host, port: tls.port) { channel in
                        builder.tls(channel, context: sslContext)
                    }
                }
                listeners.append(secure)
                tlsAddress = secure.channel.localAddress
            } catch {
                try? await plaintext.channel.close()
                throw error
            }
        }
        guard let address = plaintext.channel.localAddress else {
            for listener in listeners { try? await listener.channel.close() }
            throw HTTPServerError("The listener on \(configuration.host):\(configuration.port) has no local address.")
        }
        return HTTPServer(
            configuration: configuration,
            responder: responder,
            logger: logger,
            registry: registry,
            inFlight: inFlight,
            listeners: listeners,
            localAddress: address,
            tlsLocalAddress: tlsAddress,
            eventLoopGroup: eventLoopGroup
        )
    }

    private init(
        configuration: Configuration,
        responder: any HTTPResponder,
        logger: Logger,
        registry: HTTPConnectionRegistry,
        inFlight: HTTPRequestCounter,
        listeners: [Listener],
        localAddress: SocketAddress,
        tlsLocalAddress: SocketAddress?,
        eventLoopGroup: any EventLoopGroup
    ) {
        self.configuration = configuration
        self.responder = responder
        self.logger = logger
        self.registry = registry
        self.inFlight = inFlight
        self.listeners = listeners
        self.localAddress = localAddress
        self.tlsLocalAddress = tlsLocalAddress
        self.eventLoopGroup = eventLoopGroup
    }

    /// Serves until `shutdown()` has finished: listeners closed, every connection done or closed
    /// at the grace deadline. Cancelling the calling task stops at once (connections are closed and
    /// their requests cancelled). Can be called once.
    public func run() async throws {
        let first = lifecycle.withLock { state in
            defer { state.running = true }
            return !state.running
        }
        guard first else { throw HTTPServerError("HTTPServer.run() was called twice; a server serves once.") }
        await withTaskCancellationHandler {
            await withDiscardingTaskGroup { group in
                for listener in listeners {
                    group.addTask { await self.accept(on: listener) }
                }
            }
        } onCancel: {
            self.stopNow()
        }
    }

    /// Stops taking connections off the listening sockets without closing them: new connections
    /// wait in the kernel's accept backlog (up to its length) until `resumeAccepting()`, or until
    /// the process image that inherits the sockets accepts them. Returns once no listener accepts.
    public func pauseAccepting() async {
        for listener in listeners {
            try? await listener.channel.setOption(.autoRead, value: false).get()
        }
    }

    /// Takes connections off the listening sockets again (after `pauseAccepting()`, or a `bind`
    /// with `acceptingAtOnce: false`), the ones waiting in the backlog first.
    public func resumeAccepting() async {
        for listener in listeners {
            try? await listener.channel.setOption(.autoRead, value: true).get()
        }
    }

    /// Begins graceful shutdown and returns at once: stop accepting; HTTP/2 connections get a
    /// GOAWAY with the maximum stream id, then (after a PING round trip) one with the last stream
    /// id, and close when their streams are done; HTTP/1 connections close when idle, or after the
    /// in-flight response, which carries `Connection: close`. Whatever is still open after
    /// `shutdownGracePeriod` is closed. `run()` returns when everything is closed.
    /// - Parameter closingListeners: false leaves the listening sockets open (call
    ///   `pauseAccepting()` first), for a process image that inherits them; `run()` then returns
    ///   only when cancelled.
    public func shutdown(closingListeners: Bool = true) {
        let first = lifecycle.withLock { state in
            defer { state.shuttingDown = true }
            return !state.shuttingDown
        }
        guard first else { return }
        if closingListeners {
            for listener in listeners { listener.channel.close(promise: nil) }
        }
        registry.quiesceAll()
        let registry = self.registry
        eventLoopGroup.next().scheduleTask(in: configuration.shutdownGracePeriod) {
            registry.closeAll()
        }
    }

    private func stopNow() {
        lifecycle.withLock { $0.shuttingDown = true }
        for listener in listeners { listener.channel.close(promise: nil) }
        registry.closeAll()
    }

    private func accept(on listener: Listener) async {
        do {
            try await listener.executeThenClose { connections in
                await withDiscardingTaskGroup { group in
                    do {
                        for try await negotiated in connections {
                            group.addTask { await self.serve(negotiated) }
                        }
                    } catch {
                        logger.error("the HTTP listener stopped accepting", metadata: ["error": "\(error)"])
                    }
                }
            }
        } catch {
            logger.error("the HTTP listener failed", metadata: ["error": "\(error)"])
        }
    }

    func requestStarted() {
        inFlight.started()
    }

    func requestFinished() {
        inFlight.finished()
    }

    private static func bootstrap(_ group: any EventLoopGroup, logger: Logger) -> ServerBootstrap {
        ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(AcceptErrorAbsorber(logger: logger))
                }
            }
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
    }

    private static func makeSSLContext(_ tls: Configuration.TLS) throws -> NIOSSLContext {
        let chain: [NIOSSLCertificate]
        let key: NIOSSLPrivateKey
        do {
            chain = try NIOSSLCertificate.fromPEMFile(tls.certificateChainPath)
        } catch {
            throw HTTPServerError("Cannot read the TLS certificate chain at \(tls.certificateChainPath): \(error).")
        }
        guard !chain.isEmpty else {
            throw HTTPServerError("The TLS certificate file \(tls.certificateChainPath) holds no PEM certificate.")
        }
        do {
            key = try NIOSSLPrivateKey(file: tls.privateKeyPath, format: .pem)
        } catch {
            throw HTTPServerError("Cannot read the TLS private key at \(tls.privateKeyPath): \(error).")
        }
        var tlsConfiguration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) },
            privateKey: .privateKey(key)
        )
        tlsConfiguration.applicationProtocols = ["h2", "http/1.1"]
        do {
            return try NIOSSLContext(configuration: tlsConfiguration)
        } catch {
            throw HTTPServerError("The TLS certificate and key cannot be used together: \(error).")
        }
    }
}
