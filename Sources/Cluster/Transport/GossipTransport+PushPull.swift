public import NIOCore
import NIOPosix

/// Push-pull: one TCP connection per exchange, one sealed frame each way.
///
/// The initiator connects, writes its frame and reads the reply; the listener reads the request,
/// asks the handler, writes the reply, then waits for the initiator to close (it does so after
/// reading the whole reply), so a large reply is never cut off by closing first. A request that
/// does not open is dropped, counted, and the connection closed without a reply. Both sides close
/// the connection when `ioTimeout` elapses.
extension GossipTransport {
    /// Sends `payload` to the push-pull listener at `address` and returns its reply.
    public func exchange(with address: SocketAddress, payload: some Collection<UInt8>) async throws(TransportError)
        -> [UInt8]
    {
        guard !isClosed else { throw .closed("the gossip transport is closed") }
        let peer = Endpoint(address)?.description ?? "\(address)"
        let request: [UInt8]
        do throws(GossipSecurityError) {
            request = try currentSealer.seal(payload)
        } catch {
            throw .sealFailed(error.message)
        }
        let maxFrameSize = configuration.maxFrameSize
        guard request.count <= maxFrameSize else {
            throw .tooLarge(
                "push-pull frame of \(request.count) bytes exceeds the \(maxFrameSize)-byte limit"
            )
        }
        let connection: NIOAsyncChannel<ByteBuffer, ByteBuffer>
        do {
            // The async wrapper is made only once the connection is up: one made by the initializer
            // is dropped unfinished when the connect then fails, which NIO treats as a fatal misuse.
            // Nothing can arrive before it is in place: the peer only answers what we send.
            let connected = try await ClientBootstrap(group: group)
                .connectTimeout(TimeAmount(configuration.connectTimeout))
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .connect(to: address) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(
                            ByteToMessageHandler(FrameDecoder(maxFrameSize: maxFrameSize))
                        )
                        return channel
                    }
                }
            connection = try await connected.eventLoop.submit {
                try NIOAsyncChannel<ByteBuffer, ByteBuffer>.finishingOnClose(wrapping: connected)
            }.get()
        } catch ChannelError.connectTimeout(_) {
            throw .timedOut("connecting to \(peer) for push-pull took longer than \(configuration.connectTimeout)")
        } catch {
            throw .connectFailed("cannot connect to \(peer) for push-pull: \(error)")
        }
        let channel = connection.channel
        let ioTimeout = configuration.ioTimeout
        let deadline = ContinuousClock.now + ioTimeout
        let timer = channel.eventLoop.scheduleTask(in: TimeAmount(ioTimeout)) { channel.close(promise: nil) }
        defer { timer.cancel() }
        let reply: ByteBuffer?
        do {
            reply = try await connection.executeThenClose { inbound, outbound in
                try await outbound.write(FrameDecoder.frame(request, allocator: channel.allocator))
                var frames = inbound.makeAsyncIterator()
                return try await frames.next()
            }
        } catch let error as FrameDecoder.FrameTooLarge {
            pushPullDropCounters.recordOversized()
            throw .tooLarge(
                "push-pull reply from \(peer) announces \(error.length) bytes; the limit is \(maxFrameSize)")
        } catch {
            if ContinuousClock.now >= deadline {
                throw .timedOut("push-pull with \(peer) took longer than \(ioTimeout)")
            }
            throw .ioFailed("push-pull with \(peer) failed: \(error)")
        }
        guard let reply else {
            if ContinuousClock.now >= deadline {
                throw .timedOut("push-pull with \(peer) took longer than \(ioTimeout)")
            }
            throw .noReply(
                "\(peer) closed the push-pull connection without replying; it probably uses another gossip key "
                    + "or cluster label (see its push-pull drop counters)"
            )
        }
        do throws(PacketOpenError) {
            return try currentSealer.open(Array(reply.readableBytesView))
        } catch {
            pushPullDropCounters.record(error.reason)
            throw .replyRejected(error, from: peer)
        }
    }

    /// Sends `payload` to the push-pull listener at `address` (resolved first if it is a name).
    public func exchange(with address: Endpoint, payload: some Collection<UInt8>) async throws(TransportError)
        -> [UInt8]
    {
        try await exchange(with: address.resolve(), payload: payload)
    }

    /// Serves one accepted push-pull connection; every failure is counted, none escapes.
    func serve(
        _ connection: NIOAsyncChannel<ByteBuffer, ByteBuffer>,
        handler: @Sendable ([UInt8]) async -> [UInt8]?
    ) async {
        let channel = connection.channel
        let timer = channel.eventLoop.scheduleTask(in: TimeAmount(configuration.ioTimeout)) {
            channel.close(promise: nil)
        }
        defer { timer.cancel() }
        let maxFrameSize = configuration.maxFrameSize
        do {
            try await connection.executeThenClose { inbound, outbound in
                var frames = inbound.makeAsyncIterator()
                let firstFrame: ByteBuffer?
                do {
                    firstFrame = try await frames.next()
                } catch is FrameDecoder.FrameTooLarge {
                    // Counted before the connection closes, so the peer's EOF implies the count.
                    pushPullDropCounters.recordOversized()
                    return
                }
                guard let requestFrame = firstFrame else { return }
                let request: [UInt8]
                do throws(PacketOpenError) {
                    request = try currentSealer.open(Array(requestFrame.readableBytesView))
                } catch {
                    pushPullDropCounters.record(error.reason)
                    return
                }
                guard let answer = await handler(request) else { return }
                let reply = try currentSealer.seal(answer)
                guard reply.count <= maxFrameSize else {
                    // Our own handler's reply is too large to send: a failure, not a received drop.
                    pushPullFailureCount.add(1, ordering: .relaxed)
                    return
                }
                try await outbound.write(FrameDecoder.frame(reply, allocator: channel.allocator))
                while try await frames.next() != nil {}
            }
        } catch {
            pushPullFailureCount.add(1, ordering: .relaxed)
        }
    }
}
