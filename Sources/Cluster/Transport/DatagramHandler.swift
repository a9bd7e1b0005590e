import NIOCore

/// The UDP channel's only handler: hands every datagram to the inbox. The packet stream is ended
/// by `GossipTransport.close()`, not by the socket closing: a socket closed by a send error is
/// replaced and the stream goes on.
final class DatagramHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>

    private let inbox: PacketInbox

    init(inbox: PacketInbox) {
        self.inbox = inbox
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = Self.unwrapInboundIn(data)
        inbox.receive(envelope.data, from: envelope.remoteAddress)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A UDP read error (for example ICMP port unreachable surfacing as ECONNREFUSED) concerns
        // one datagram, not the socket: keep the channel open.
    }
}
