import NIOCore

/// Turns the many flushes of one event-loop tick into one: the first flush that passes arms a task
/// on the loop, later ones are absorbed, and the task flushes once after the tick's other work.
///
/// Sits on an HTTP/2 connection between the socket and `NIOHTTP2Handler`. Every stream of a
/// multiplexed connection flushes on its own (each proxied request, each response), and without
/// this each flush is a `writev` system call; with it, the frames of all the streams answered in a
/// tick leave in one. Writes pass through untouched, so ordering is unchanged; a flush is only ever
/// delayed to the end of the current tick, never dropped (a channel that closes meanwhile makes the
/// late flush a no-op).
final class FlushCoalescer: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = NIOAny
    typealias OutboundOut = NIOAny

    private var flushArmed = false

    func flush(context: ChannelHandlerContext) {
        guard !flushArmed else { return }
        flushArmed = true
        context.eventLoop.assumeIsolated().execute {
            self.flushArmed = false
            context.flush()
        }
    }

    /// A close must not strand writes whose flush is still armed (the final GOAWAY, a response's
    /// last frames): NIO fails unflushed writes on close, so they leave first.
    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        if flushArmed { context.flush() }
        context.close(mode: mode, promise: promise)
    }
}
