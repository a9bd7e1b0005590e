import NIOCore
import NIOHTTP2

/// Watches one backend connection's connection-level frames (stream 0) and reports to its pool:
/// ready on the peer's first SETTINGS, stream-limit changes and GOAWAY. A connection that sends no
/// SETTINGS within the connect timeout, or fails before them, is reported as a failed connect with
/// the reason and closed. (The close itself is reported by the pool from the channel's close future.)
final class BackendConnectionHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTP2Frame

    private enum Phase {
        case awaitingSettings
        case ready
        case closed
    }

    private let id: BackendConnectionID
    private let pool: BackendPool
    private let multiplexer: NIOHTTP2Handler.StreamMultiplexer
    private let settingsTimeout: TimeAmount
    private var phase = Phase.awaitingSettings
    private var settingsTimer: Scheduled<Void>?

    /// The lowest last-stream-id of the GOAWAY frames received: streams above it were never processed.
    private(set) var goAwayLastStreamID: HTTP2StreamID?

    init(
        id: BackendConnectionID,
        pool: BackendPool,
        multiplexer: NIOHTTP2Handler.StreamMultiplexer,
        settingsTimeout: TimeAmount
    ) {
        self.id = id
        self.pool = pool
        self.multiplexer = multiplexer
        self.settingsTimeout = settingsTimeout
    }

    func channelActive(context: ChannelHandlerContext) {
        let channel = context.channel
        settingsTimer = context.eventLoop.assumeIsolated().scheduleTask(in: settingsTimeout) { [self] in
            let milliseconds = settingsTimeout.nanoseconds / 1_000_000
            failBeforeSettings("no HTTP/2 SETTINGS from the backend within \(milliseconds) ms", channel: channel)
        }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.payload {
        case .settings(.settings(let settings)):
            let limit = settings.last { $0.parameter == .maxConcurrentStreams }?.value
            switch phase {
            case .awaitingSettings:
                phase = .ready
                settingsTimer?.cancel()
                settingsTimer = nil
                let connection = BackendConnection(
                    id: id,
                    channel: context.channel,
                    multiplexer: multiplexer,
                    frames: NIOLoopBound(self, eventLoop: context.eventLoop)
                )
                // RFC 9113 §6.5.2: until the peer limits it, the number of streams is unlimited.
                pool.connectionReady(connection, maxStreams: limit ?? Int.max)
            case .ready:
                if let limit { pool.maxStreamsChanged(id, to: limit) }
            case .closed:
                break
            }
        case .goAway(let lastStreamID, _, _):
            goAwayLastStreamID = min(goAwayLastStreamID ?? lastStreamID, lastStreamID)
            if case .ready = phase { pool.goAwayReceived(id) }
        default:
            break
        }
        context.fireChannelRead(data)
    }

    func channelInactive(context: ChannelHandlerContext) {
        failBeforeSettings("the backend closed the connection before its HTTP/2 SETTINGS", channel: context.channel)
        phase = .closed
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // Connection-level errors (protocol violations, resets) end the connection; streams learn
        // of it through their own close.
        failBeforeSettings("connection error: \(error)", channel: context.channel)
        context.close(promise: nil)
    }

    private func failBeforeSettings(_ reason: String, channel: any Channel) {
        settingsTimer?.cancel()
        settingsTimer = nil
        guard case .awaitingSettings = phase else { return }
        phase = .closed
        pool.connectFailed(id, reason: reason)
        channel.close(promise: nil)
    }
}
