import NIOCore
import Synchronization

/// The server's open connections, so `shutdown()` can ask each to finish (quiesce) and, after the
/// grace period, close whatever is left. One short lock per connection open and close; never held
/// during I/O (the channels are acted on after the lock is released).
final class HTTPConnectionRegistry: Sendable {
    private struct State {
        var connections: [ObjectIdentifier: any Channel] = [:]
        var shuttingDown = false
    }

    private let state = Mutex(State())

    /// Records `channel` until it closes. Once shutdown has begun, a newly accepted connection is
    /// told to quiesce straight away.
    func register(_ channel: any Channel) {
        let id = ObjectIdentifier(channel)
        let lateArrival = state.withLock { state in
            state.connections[id] = channel
            return state.shuttingDown
        }
        channel.closeFuture.whenComplete { [self] _ in
            _ = state.withLock { $0.connections.removeValue(forKey: id) }
        }
        if lateArrival { Self.quiesce(channel) }
    }

    /// Marks the start of shutdown and asks every open connection to finish its in-flight work.
    func quiesceAll() {
        let channels = state.withLock { state in
            state.shuttingDown = true
            return Array(state.connections.values)
        }
        for channel in channels { Self.quiesce(channel) }
    }

    /// Closes every connection still open.
    func closeAll() {
        let channels = state.withLock { Array($0.connections.values) }
        for channel in channels { channel.close(promise: nil) }
    }

    var count: Int { state.withLock { $0.connections.count } }

    private static func quiesce(_ channel: any Channel) {
        channel.eventLoop.execute {
            channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        }
    }
}
