import NIOCore
import NIOHTTP2
import Synchronization

/// One established HTTP/2 connection of a ``BackendPool``: what a leased stream is opened on.
///
/// Stream closes are counted in ``closedStreams`` without the pool's lock and folded into the pool's
/// state machine on its next locked decision, so a request costs one lock on the pool, not two (see
/// `BackendPool.streamClosed(on:)` for when a close does take the lock).
final class BackendConnection: Sendable {
    let id: BackendConnectionID
    let channel: any Channel
    let multiplexer: NIOHTTP2Handler.StreamMultiplexer
    /// The connection-level frame handler, for the GOAWAY last-stream-id streams classify their failures with.
    let frames: NIOLoopBound<BackendConnectionHandler>
    /// Streams closed since the pool last folded them in.
    let closedStreams = Atomic<Int>(0)

    init(
        id: BackendConnectionID,
        channel: any Channel,
        multiplexer: NIOHTTP2Handler.StreamMultiplexer,
        frames: NIOLoopBound<BackendConnectionHandler>
    ) {
        self.id = id
        self.channel = channel
        self.multiplexer = multiplexer
        self.frames = frames
    }
}
