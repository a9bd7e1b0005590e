import Logging
import NIOCore

/// On a listening socket: logs accept errors (too many open files, a connection reset before it
/// was accepted) instead of letting them end the async accept loop, so one bad moment does not stop
/// the server from accepting.
final class AcceptErrorAbsorber: ChannelInboundHandler {
    typealias InboundIn = any Channel

    private let logger: Logger

    init(logger: Logger) {
        self.logger = logger
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.warning("accept failed", metadata: ["error": "\(error)"])
    }
}
