import Cluster
import NIOCore
import NIOHTTP1
import NIOHTTP2
import NIOSSL

extension HTTPServer {
    /// Builds a connection's pipeline: what both listeners share once the protocol is known.
    struct PipelineBuilder: Sendable {
        let configuration: Configuration
        let registry: HTTPConnectionRegistry
        let responder: any HTTPResponder
        let inFlight: HTTPRequestCounter

        /// A plaintext connection: sniff for the HTTP/2 preface, then HTTP/1.1 or h2c.
        func plaintext(_ channel: any Channel) -> EventLoopFuture<EventLoopFuture<HTTPConnection>> {
            channel.eventLoop.makeCompletedFuture {
                registry.register(channel)
                let sniffer = HTTP2PrefaceSniffer<HTTPConnection>(eventLoop: channel.eventLoop) { detected, channel in
                    switch detected {
                    case .http1: try http1(channel)
                    case .http2: try http2(channel)
                    }
                }
                try channel.pipeline.syncOperations.addHandler(sniffer)
                return closingIfUndecided(channel, sniffer.result)
            }
        }

        /// A TLS connection: handshake, then HTTP/2 or HTTP/1.1 as ALPN decided (HTTP/1.1 when the
        /// client offered no protocol).
        func tls(_ channel: any Channel, context: NIOSSLContext) -> EventLoopFuture<EventLoopFuture<HTTPConnection>> {
            channel.eventLoop.makeCompletedFuture {
                registry.register(channel)
                try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context))
            }.flatMap {
                channel.configureHTTP2AsyncSecureUpgrade(
                    http1ConnectionInitializer: { channel in
                        channel.eventLoop.makeCompletedFuture { try http1(channel) }
                    },
                    http2ConnectionInitializer: { channel in
                        channel.eventLoop.makeCompletedFuture { try http2(channel) }
                    }
                )
            }.map { negotiated in
                let connection = negotiated.map { version -> HTTPConnection in
                    switch version {
                    case .http1_1(let connection): connection
                    case .http2(let connection): connection
                    }
                }
                return closingIfUndecided(channel, connection)
            }
        }

        /// A client that connects and never says which protocol it speaks (or never finishes the
        /// TLS handshake) is closed after the idle timeout.
        private func closingIfUndecided(
            _ channel: any Channel,
            _ negotiated: EventLoopFuture<HTTPConnection>
        ) -> EventLoopFuture<HTTPConnection> {
            let deadline = channel.eventLoop.scheduleTask(in: configuration.idleTimeout) {
                channel.close(promise: nil)
            }
            negotiated.whenComplete { _ in deadline.cancel() }
            return negotiated
        }

        private func http1(_ channel: any Channel) throws -> HTTPConnection {
            var limits = NIOHTTPDecoderLimitConfiguration()
            limits.maxHeaderListSize = configuration.maxHeaderListBytes
            limits.maxHeaderFieldSize = configuration.maxHeaderListBytes
            // Pipelining assistance stays off: it stops reading while a request is answered, which
            // would hide a client hanging up; the request loop answers in order anyway.
            try channel.pipeline.syncOperations.configureHTTPServerPipeline(
                withPipeliningAssistance: false,
                withErrorHandling: false,
                withOutboundHeaderValidation: true,
                withEncoderConfiguration: HTTPResponseEncoder.Configuration(),
                withDecoderLimitConfiguration: limits
            )
            try channel.pipeline.syncOperations.addHandler(
                HTTPRequestGuard(
                    idleTimeout: configuration.idleTimeout,
                    bodyTimeout: configuration.requestBodyTimeout,
                    stallTimeout: configuration.idleTimeout
                )
            )
            return .http1(try HTTPConnection.RequestChannel.finishingOnClose(wrapping: channel))
        }

        private func http2(_ channel: any Channel) throws -> HTTPConnection {
            let settings = HTTP2StreamResponder.Settings(
                responder: responder,
                counter: inFlight,
                maxBodyBytes: configuration.maxBodyBytes,
                bodyTimeout: configuration.requestBodyTimeout,
                stallTimeout: configuration.idleTimeout
            )
            let remoteAddress = channel.remoteAddress
            let operations = channel.pipeline.syncOperations
            // Before the HTTP/2 handler, so that its flushes pass through it on their way to the socket.
            try operations.addHandler(FlushCoalescer())
            // The connection manager gives the two-phase GOAWAY on quiesce, the idle timeout and the
            // grace period; it learns of streams through the HTTP/2 handler's stream delegate.
            let manager = NIOHTTP2ServerConnectionManagementHandler(
                eventLoop: channel.eventLoop,
                configuration: .init(
                    maxIdleTime: configuration.idleTimeout,
                    maxAge: nil,
                    maxGraceTime: configuration.shutdownGracePeriod,
                    keepalive: nil
                )
            )
            let http2 = http2Configuration
            let handler = NIOHTTP2Handler(
                mode: .server,
                eventLoop: channel.eventLoop,
                connectionConfiguration: http2.connection,
                streamConfiguration: http2.stream,
                streamDelegate: manager.http2StreamDelegate
            ) { stream in
                stream.eventLoop.makeCompletedFuture {
                    try stream.pipeline.syncOperations.addHandler(
                        HTTP2StreamResponder(settings: settings, remoteAddress: remoteAddress)
                    )
                }
            }
            try operations.addHandler(handler)
            // A closing connection whose client never answers the shutdown PING is closed after the
            // idle timeout (NIOHTTP2's manager would wait for ever).
            try operations.addHandler(HTTP2ShutdownPingTimeout(timeout: configuration.idleTimeout))
            try operations.addHandler(manager)
            // The connection manager starts its idle timer on channelActive, which this connection
            // passed before its protocol was known; replay it to that handler alone.
            manager.channelActive(context: try operations.context(handler: manager))
            return .http2(channel)
        }

        /// SETTINGS advertised to clients; the library's flood protections (reset-stream, CONTINUATION,
        /// control-frame and glitch limits) keep their defaults.
        private var http2Configuration: NIOHTTP2Handler.Configuration {
            var http2 = NIOHTTP2Handler.Configuration()
            http2.connection.initialSettings = [
                HTTP2Setting(parameter: .maxConcurrentStreams, value: configuration.maxConcurrentStreams),
                HTTP2Setting(parameter: .maxHeaderListSize, value: configuration.maxHeaderListBytes),
            ]
            return http2
        }
    }
}
