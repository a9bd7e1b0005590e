package import NIOCore

extension NIOAsyncChannel {
    /// Wraps `channel` like `init(wrappingChannelSynchronously:)` (on its event loop, inside a
    /// pipeline initializer) and finishes the outbound writer when the channel closes.
    ///
    /// An async channel made in an initializer is not always consumed: when a listener stops with
    /// accepted connections still queued, or a connection's negotiation future is dropped, the
    /// wrapper is released unused, and NIO traps on releasing a writer nobody finished. Finishing on
    /// close makes that release harmless; the channel itself is closed by its idle timeout or by
    /// shutdown, as every connection is.
    package static func finishingOnClose(wrapping channel: any Channel) throws -> NIOAsyncChannel {
        let wrapped = try NIOAsyncChannel(wrappingChannelSynchronously: channel)
        // `executeThenClose` finishes the writer (closing an already closed channel is a no-op); a
        // second call after the server's own is harmless. One task per closed connection.
        channel.closeFuture.whenComplete { _ in
            Task { try? await wrapped.executeThenClose { _, _ in } }
        }
        return wrapped
    }
}
