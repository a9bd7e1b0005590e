import NIOCore
import NIOHPACK
import NIOHTTP2
import NIOPosix
import Synchronization

/// A small prior-knowledge h2c server on loopback for the backend pool's tests.
///
/// Every stream echoes its request body with status 200, unless the request header `x-test` says
/// otherwise: `hold` keeps the response until ``releaseHeld()``, `refuse` answers RST_STREAM
/// REFUSED_STREAM, `reset` answers RST_STREAM INTERNAL_ERROR after reading the request. The server
/// can advertise a stream limit, send GOAWAY, and stop abruptly (close every socket) and start again
/// on the same port.
final class H2TestServer: Sendable {
    /// What the server has seen, for tests to wait on.
    struct Observed: Sendable {
        var acceptedConnections = 0
        var streamsInFlight = 0
        var maxStreamsInFlight = 0
        var streamsCompleted = 0
        /// The codes of the RST_STREAM frames the client sent.
        var resetsReceived: [HTTP2ErrorCode] = []
        /// Stream ids currently held, in arrival order.
        var heldStreamIDs: [HTTP2StreamID] = []
    }

    private struct State {
        var observed = Observed()
        var listener: (any Channel)?
        var connections: [ObjectIdentifier: any Channel] = [:]
        var held: [(HTTP2StreamID, @Sendable () -> Void)] = []
        var holdDisabled = false
    }

    private let group: any EventLoopGroup
    private let maxConcurrentStreams: Int?
    private let state = Mutex(State())

    init(group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, maxConcurrentStreams: Int? = nil) {
        self.group = group
        self.maxConcurrentStreams = maxConcurrentStreams
    }

    var observed: Observed { state.withLock { $0.observed } }

    /// The bound port, once started.
    var port: Int? { state.withLock { $0.listener?.localAddress?.port } }

    var address: SocketAddress {
        get throws { try SocketAddress(ipAddress: "127.0.0.1", port: port ?? 0) }
    }

    /// Starts listening on `port` (0: any free port).
    func start(port: Int = 0) async throws {
        var connection = NIOHTTP2Handler.ConnectionConfiguration()
        var settings: HTTP2Settings = [HTTP2Setting(parameter: .maxHeaderListSize, value: 1 << 16)]
        if let maxConcurrentStreams {
            settings.append(HTTP2Setting(parameter: .maxConcurrentStreams, value: maxConcurrentStreams))
        }
        connection.initialSettings = settings
        let connectionConfiguration = connection
        let streamConfiguration = NIOHTTP2Handler.StreamConfiguration()
        let listener = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { [self] channel in
                state.withLock { state in
                    state.observed.acceptedConnections += 1
                    state.connections[ObjectIdentifier(channel)] = channel
                }
                channel.closeFuture.whenComplete { [self] _ in
                    state.withLock { _ = $0.connections.removeValue(forKey: ObjectIdentifier(channel)) }
                }
                return channel.eventLoop.makeCompletedFuture {
                    _ = try channel.pipeline.syncOperations.configureHTTP2Pipeline(
                        mode: .server,
                        connectionConfiguration: connectionConfiguration,
                        streamConfiguration: streamConfiguration
                    ) { [self] stream in
                        stream.eventLoop.makeCompletedFuture {
                            try stream.pipeline.syncOperations.addHandler(TestStreamHandler(server: self))
                        }
                    }
                }
            }
            .bind(host: "127.0.0.1", port: port)
            .get()
        state.withLock { $0.listener = listener }
    }

    /// Closes the listener and every connection without GOAWAY, as a crashed process would.
    func stop() async throws {
        let (listener, connections) = state.withLock { state in
            let taken = (state.listener, Array(state.connections.values))
            state.listener = nil
            state.held = []
            state.observed.heldStreamIDs = []
            return taken
        }
        try await listener?.close()
        for connection in connections { try? await connection.close() }
    }

    /// Answers every held stream, and from now on answers at once.
    func releaseHeld() {
        let held = state.withLock { state in
            let held = state.held
            state.held = []
            state.observed.heldStreamIDs = []
            state.holdDisabled = true
            return held
        }
        for (_, respond) in held { respond() }
    }

    /// Sends GOAWAY with `lastStreamID` on every open connection.
    func sendGoAway(lastStreamID: HTTP2StreamID) {
        let connections = state.withLock { Array($0.connections.values) }
        for connection in connections {
            let frame = HTTP2Frame(
                streamID: .rootStream,
                payload: .goAway(lastStreamID: lastStreamID, errorCode: .noError, opaqueData: nil))
            connection.writeAndFlush(frame, promise: nil)
        }
    }

    // MARK: Called by stream handlers

    fileprivate func streamOpened() {
        state.withLock { state in
            state.observed.streamsInFlight += 1
            state.observed.maxStreamsInFlight = max(state.observed.maxStreamsInFlight, state.observed.streamsInFlight)
        }
    }

    fileprivate func streamClosed(resetCode: HTTP2ErrorCode?, completed: Bool) {
        state.withLock { state in
            state.observed.streamsInFlight -= 1
            if let resetCode { state.observed.resetsReceived.append(resetCode) }
            if completed { state.observed.streamsCompleted += 1 }
        }
    }

    /// Holds `respond` until released; false if holding is disabled (answer at once).
    fileprivate func hold(streamID: HTTP2StreamID, respond: @escaping @Sendable () -> Void) -> Bool {
        state.withLock { state in
            guard !state.holdDisabled else { return false }
            state.held.append((streamID, respond))
            state.observed.heldStreamIDs.append(streamID)
            return true
        }
    }
}

/// One server stream: gathers the request, then acts on its `x-test` header.
private final class TestStreamHandler: ChannelInboundHandler {
    typealias InboundIn = HTTP2Frame.FramePayload
    typealias OutboundOut = HTTP2Frame.FramePayload

    private let server: H2TestServer
    private var mode = ""
    private var body = ByteBuffer()
    private var responded = false
    private var resetCode: HTTP2ErrorCode?
    private var opened = false

    init(server: H2TestServer) {
        self.server = server
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .headers(let frame):
            if !opened {
                opened = true
                server.streamOpened()
            }
            mode = frame.headers.first(name: "x-test") ?? ""
            if mode == "refuse" {
                context.writeAndFlush(wrapOutboundOut(.rstStream(.refusedStream)), promise: nil)
                return
            }
            if frame.endStream { requestComplete(context: context) }
        case .data(let frame):
            if case .byteBuffer(var bytes) = frame.data { body.writeBuffer(&bytes) }
            if frame.endStream { requestComplete(context: context) }
        case .rstStream(let code):
            resetCode = code
        default:
            break
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let closed = error as? NIOHTTP2Errors.StreamClosed { resetCode = closed.errorCode }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if opened { server.streamClosed(resetCode: resetCode, completed: responded) }
        context.fireChannelInactive()
    }

    private func requestComplete(context: ChannelHandlerContext) {
        switch mode {
        case "reset":
            context.writeAndFlush(wrapOutboundOut(.rstStream(.internalError)), promise: nil)
        case "hold":
            let streamID =
                (try? context.channel.syncOptions?.getOption(HTTP2StreamChannelOptions.streamID)) ?? .rootStream
            let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
            let channel = context.channel
            let held = server.hold(streamID: streamID) {
                channel.eventLoop.execute { bound.value.respond(channel: channel) }
            }
            if !held { respond(channel: channel) }
        default:
            respond(channel: context.channel)
        }
    }

    private func respond(channel: any Channel) {
        guard !responded, channel.isActive else { return }
        responded = true
        let headers: HPACKHeaders = [":status": "200", "content-type": "application/octet-stream"]
        channel.write(HTTP2Frame.FramePayload.headers(.init(headers: headers)), promise: nil)
        channel.writeAndFlush(
            HTTP2Frame.FramePayload.data(.init(data: .byteBuffer(body), endStream: true)), promise: nil)
    }
}
