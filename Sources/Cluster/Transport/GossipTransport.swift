public import NIOCore
public import NIOPosix
import Synchronization

/// The I/O shell gossip runs on: one UDP socket for packets and a TCP listener on the same port
/// number for push-pull state exchange, both sealed with a `PacketSealer`.
///
/// Received datagrams are opened on the event loop that read them and delivered through
/// `packets`; anything oversized, foreign (another label), undecryptable or malformed is dropped
/// and counted in `datagramDrops`, never thrown at the reader. Sending is fire-and-forget: no
/// await and no actor hop per packet; the UDP socket outlives send errors (`keepOpen(_:)`).
/// Push-pull is served while `run(pushPullHandler:)` runs and initiated with
/// `exchange(with:payload:)`. `close()` closes both sockets, ends `packets`, and makes `run`
/// return once in-flight exchanges finish.
///
/// ```swift
/// let transport = try await GossipTransport.bind(
///     configuration: .init(bindAddress: Endpoint(parsing: "0.0.0.0:7946"),
///                          advertiseAddress: Endpoint(parsing: "10.0.0.5:7946")),
///     sealer: PacketSealer(keyring: Keyring(base64Keys: keys), label: clusterName))
/// try await withThrowingDiscardingTaskGroup { group in
///     group.addTask { try await transport.run { remoteState in await membership.merge(remoteState) } }
///     group.addTask { for await packet in transport.packets { /* feed packet.payload to the core */ } }
///     // core directives: try transport.send(bytes, to: peerAddress)
///     //                  let reply = try await transport.exchange(with: seed, payload: localState)
/// }
/// ```
public final class GossipTransport: Sendable {
    /// The settings the transport was bound with.
    public let configuration: Configuration
    /// The address the sockets are bound to (with the real port when port 0 was asked for).
    public let localAddress: SocketAddress
    /// The address to gossip to peers as this member's gossip address.
    public let advertisedAddress: Endpoint
    /// Opened packets in arrival order. Single consumer; ends when the transport closes.
    public let packets: AsyncStream<ReceivedPacket>

    private let inbox: PacketInbox
    /// The UDP socket now in use: replaced when the operating system's error on a send made NIO
    /// close it (see `keepOpen(_:)`).
    private let datagramChannel: Mutex<any Channel>
    private let datagramReopenCount = Atomic<Int>(0)
    private let listener: NIOAsyncChannel<NIOAsyncChannel<ByteBuffer, ByteBuffer>, Never>
    private let eventLoopGroup: any EventLoopGroup
    let pushPullDropCounters = DropCounters()
    private let sendFailureCount = Atomic<Int>(0)
    let pushPullFailureCount = Atomic<Int>(0)
    private let runStarted = Atomic<Bool>(false)
    private let closed = Atomic<Bool>(false)

    private init(
        configuration: Configuration,
        localAddress: SocketAddress,
        advertisedAddress: Endpoint,
        packets: AsyncStream<ReceivedPacket>,
        inbox: PacketInbox,
        datagramChannel: any Channel,
        listener: NIOAsyncChannel<NIOAsyncChannel<ByteBuffer, ByteBuffer>, Never>,
        eventLoopGroup: any EventLoopGroup
    ) {
        self.configuration = configuration
        self.localAddress = localAddress
        self.advertisedAddress = advertisedAddress
        self.packets = packets
        self.inbox = inbox
        self.datagramChannel = Mutex(datagramChannel)
        self.listener = listener
        self.eventLoopGroup = eventLoopGroup
    }

    /// Binds the UDP socket and the TCP listener (same port number) and starts receiving packets.
    ///
    /// With port 0 a free port is picked for UDP and the TCP listener takes the same number,
    /// retrying with another port if that TCP port happens to be taken.
    public static func bind(
        configuration: Configuration,
        sealer: PacketSealer,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws(TransportError) -> GossipTransport {
        let bindAddress = try configuration.bindAddress.resolve()
        let isWildcard = bindAddress.ipAddress == "0.0.0.0" || bindAddress.ipAddress == "::"
        if isWildcard && configuration.advertiseAddress == nil {
            throw .invalidAddress(
                "binding gossip to \(configuration.bindAddress) needs an advertise address peers can reach"
            )
        }
        let attempts = configuration.bindAddress.port == 0 ? 16 : 1
        var lastError: (any Error)?
        for _ in 0..<attempts {
            let (packets, continuation) = AsyncStream.makeStream(
                of: ReceivedPacket.self,
                bufferingPolicy: .bufferingOldest(max(configuration.receiveBacklog, 1))
            )
            let inbox = PacketInbox(
                sealer: sealer,
                continuation: continuation,
                maxPacketSize: configuration.maxPacketSize
            )
            let datagramChannel: any Channel
            do {
                datagramChannel = try await bindDatagramChannel(to: bindAddress, inbox: inbox, group: eventLoopGroup)
                    .get()
            } catch {
                continuation.finish()
                throw .bindFailed("cannot bind gossip UDP socket to \(configuration.bindAddress): \(error)")
            }
            guard let localAddress = datagramChannel.localAddress, let port = localAddress.port else {
                try? await datagramChannel.close().get()
                throw .bindFailed("the gossip UDP socket bound to \(configuration.bindAddress) has no local port")
            }
            let maxFrameSize = configuration.maxFrameSize
            do {
                let listener = try await ServerBootstrap(group: eventLoopGroup)
                    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                    .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                    .bind(to: localAddress) { channel in
                        channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.addHandler(
                                ByteToMessageHandler(FrameDecoder(maxFrameSize: maxFrameSize))
                            )
                            return try NIOAsyncChannel<ByteBuffer, ByteBuffer>.finishingOnClose(wrapping: channel)
                        }
                    }
                var advertised =
                    configuration.advertiseAddress ?? Endpoint(host: configuration.bindAddress.host, port: UInt16(port))
                if advertised.port == 0 { advertised.port = UInt16(port) }
                let transport = GossipTransport(
                    configuration: configuration,
                    localAddress: localAddress,
                    advertisedAddress: advertised,
                    packets: packets,
                    inbox: inbox,
                    datagramChannel: datagramChannel,
                    listener: listener,
                    eventLoopGroup: eventLoopGroup
                )
                transport.keepOpen(datagramChannel)
                return transport
            } catch {
                lastError = error
                try? await datagramChannel.close().get()
            }
        }
        throw .bindFailed(
            "cannot bind the push-pull TCP listener on the gossip port of \(configuration.bindAddress): "
                + "\(lastError.map { "\($0)" } ?? "unknown error")"
        )
    }

    /// The sealer in use (its keyring and label).
    public var sealer: PacketSealer { inbox.sealer }

    /// The largest plaintext that fits in one packet with the current sealer.
    public var maxPayloadSize: Int { configuration.maxPacketSize - inbox.sealer.overhead }

    /// Switches to another keyring (key rotation) for everything sealed or opened from now on.
    public func replaceKeyring(_ keyring: Keyring) {
        inbox.replaceKeyring(keyring)
    }

    /// Received packets dropped so far, by reason.
    public var datagramDrops: DropCounts { inbox.drops.snapshot() }

    /// Push-pull frames (requests served or replies received) dropped so far, by reason.
    public var pushPullDrops: DropCounts { pushPullDropCounters.snapshot() }

    /// Datagrams the operating system refused to send (for example an unreachable address).
    public var sendFailures: Int { sendFailureCount.load(ordering: .relaxed) }

    /// How many times the UDP socket was bound again after a send error closed it.
    public var datagramSocketReopens: Int { datagramReopenCount.load(ordering: .relaxed) }

    /// Served push-pull connections that failed (I/O error, timeout, peer vanished).
    public var pushPullFailures: Int { pushPullFailureCount.load(ordering: .relaxed) }

    /// Seals `plaintext` and sends it to `address` without waiting.
    ///
    /// Throws only for the caller's mistakes (a packet over `maxPacketSize` once sealed, a closed
    /// transport); failures reported later by the socket are counted in `sendFailures`.
    public func send(_ plaintext: some Collection<UInt8>, to address: SocketAddress) throws(TransportError) {
        guard !closed.load(ordering: .relaxed) else { throw .closed("the gossip transport is closed") }
        let packet: [UInt8]
        do throws(GossipSecurityError) {
            packet = try inbox.sealer.seal(plaintext)
        } catch {
            throw .sealFailed(error.message)
        }
        guard packet.count <= configuration.maxPacketSize else {
            throw .tooLarge(
                "gossip packet of \(packet.count) bytes sealed exceeds the \(configuration.maxPacketSize)-byte limit; "
                    + "keep payloads within maxPayloadSize (\(maxPayloadSize))"
            )
        }
        let channel = datagramChannel.withLock { $0 }
        let envelope = AddressedEnvelope(remoteAddress: address, data: channel.allocator.buffer(bytes: packet))
        channel.writeAndFlush(envelope).whenFailure { _ in
            self.sendFailureCount.add(1, ordering: .relaxed)
        }
    }

    /// Seals `plaintext` and sends it to `address` (resolved first if it is a name).
    public func send(_ plaintext: some Collection<UInt8>, to address: Endpoint) throws(TransportError) {
        try send(plaintext, to: address.resolve())
    }

    /// Serves push-pull until the transport closes or the calling task is cancelled: each
    /// connection's request frame is opened and passed to `pushPullHandler`, whose result is
    /// sealed and sent back (nil: the connection is closed without a reply). Connections run concurrently in a discarding task group owned by
    /// this call; it returns after they finish. Call it once; after `close` it returns at once.
    public func run(pushPullHandler: @escaping @Sendable ([UInt8]) async -> [UInt8]?) async throws {
        guard !runStarted.exchange(true, ordering: .relaxed) else {
            // `close` takes the listener over when `run` has not started; then there is nothing to serve.
            if closed.load(ordering: .relaxed) { return }
            throw TransportError.alreadyRunning("run(pushPullHandler:) was already called on this transport")
        }
        try await listener.executeThenClose { connections in
            try await withThrowingDiscardingTaskGroup { group in
                for try await connection in connections {
                    group.addTask { await self.serve(connection, handler: pushPullHandler) }
                }
            }
        }
    }

    /// Closes both sockets and ends `packets`; `run` returns once in-flight exchanges finish.
    public func close() async {
        guard !closed.exchange(true, ordering: .relaxed) else { return }
        // Read after `closed` is set: a socket bound again from now on closes itself (`reopen`).
        try? await datagramChannel.withLock({ $0 }).close().get()
        inbox.finish()
        try? await listener.channel.close().get()
        if !runStarted.exchange(true, ordering: .relaxed) {
            // Never served: drain the listener's connection stream now, so it is torn down while
            // its event loop still runs rather than whenever the transport is deallocated.
            try? await listener.executeThenClose { connections in
                for try await connection in connections {
                    try? await connection.channel.close().get()
                    try? await connection.executeThenClose { inbound, _ in for try await _ in inbound {} }
                }
            }
        }
    }

    var currentSealer: PacketSealer { inbox.sealer }

    /// Binds a UDP socket whose datagrams go to `inbox`.
    private static func bindDatagramChannel(
        to address: SocketAddress,
        inbox: PacketInbox,
        group: any EventLoopGroup
    ) -> EventLoopFuture<any Channel> {
        DatagramBootstrap(group: group)
            // Read whole datagrams of any size so oversized ones are seen (and counted) rather than
            // silently truncated to the buffer.
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 65_536))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(DatagramHandler(inbox: inbox))
                }
            }
            .bind(to: address)
    }

    /// Keeps a UDP socket for the transport's whole life.
    ///
    /// NIO closes a datagram channel on any send error but EMSGSIZE and EHOSTUNREACH: EPERM from a
    /// firewall rule dropping our outgoing gossip, ENETUNREACH while a route is gone, EACCES, ENOBUFS.
    /// A closed socket would leave this member deaf and mute for good (only push-pull still working),
    /// so after the fault everyone would keep declaring it dead. When the socket closes without
    /// `close()`, another is bound to the same address (peers know us by that port), retried with
    /// back-off while the bind fails.
    private func keepOpen(_ channel: any Channel) {
        channel.closeFuture.whenComplete { [weak self] _ in
            self?.reopen(attempt: 0)
        }
    }

    private func reopen(attempt: Int) {
        guard !isClosed else { return }
        Self.bindDatagramChannel(to: localAddress, inbox: inbox, group: eventLoopGroup).whenComplete {
            [weak self] result in
            switch result {
            case .success(let channel):
                guard let self else {
                    channel.close(promise: nil)
                    return
                }
                // `close()` sets `closed` before it reads the current socket: either it sees this one,
                // or this one sees `closed` and closes itself.
                let installed = self.datagramChannel.withLock { current in
                    guard !self.isClosed else { return false }
                    current = channel
                    return true
                }
                guard installed else {
                    channel.close(promise: nil)
                    return
                }
                self.datagramReopenCount.add(1, ordering: .relaxed)
                self.keepOpen(channel)
            case .failure:
                guard let self else { return }
                let delay = TimeAmount.milliseconds(Int64(min(1_000, 10 << min(attempt, 7))))
                self.eventLoopGroup.next().scheduleTask(in: delay) { [weak self] in
                    self?.reopen(attempt: attempt + 1)
                }
            }
        }
    }

    var group: any EventLoopGroup { eventLoopGroup }

    var isClosed: Bool { closed.load(ordering: .relaxed) }
}
