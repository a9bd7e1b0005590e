import Logging
import NIOCore
import NIOHTTP1
import NIOHTTP2

extension HTTPServer {
    /// Serves one accepted connection until it closes.
    func serve(_ negotiated: EventLoopFuture<HTTPConnection>) async {
        let connection: HTTPConnection
        do {
            connection = try await negotiated.get()
        } catch {
            // Closed, timed out or failed the TLS handshake before speaking HTTP: nothing to serve.
            return
        }
        switch connection {
        case .http1(let channel):
            await cancellingOnClose(of: channel.channel) {
                await self.serveRequests(on: channel)
            }
        case .http2(let channel):
            // Its streams are served inside its pipeline; the connection is done when it closes.
            try? await channel.closeFuture.get()
        }
    }

    /// Runs `body` in a child task that is cancelled as soon as `channel` closes, so a responder
    /// stops working for a client that has gone. `body` closes the channel when it finishes, which
    /// ends the wait.
    private func cancellingOnClose(of channel: any Channel, _ body: @escaping @Sendable () async -> Void) async {
        await withDiscardingTaskGroup { group in
            group.addTask(operation: body)
            try? await channel.closeFuture.get()
            group.cancelAll()
        }
    }

    /// Reads requests from an HTTP/1 connection one after another, answers each through the
    /// responder, and closes the connection when done.
    ///
    /// After the last response the loop waits for `HTTPRequestGuard` to close the channel once that
    /// response is on the wire: closing straight away (as `executeThenClose` does) would drop a
    /// large response still queued behind TCP flow control.
    private func serveRequests(on channel: HTTPConnection.RequestChannel) async {
        let remoteAddress = channel.channel.remoteAddress
        do {
            try await channel.executeThenClose { inbound, outbound in
                var assembler = HTTPRequestAssembler(maxBodyBytes: configuration.maxBodyBytes)
                var counted = false
                defer { if counted { requestFinished() } }
                for try await part in inbound {
                    if case .head = part, !counted {
                        requestStarted()
                        counted = true
                    }
                    switch assembler.receive(part) {
                    case .readMore:
                        continue
                    case .sendContinue(let version):
                        try await outbound.write(.head(HTTPResponseHead(version: version, status: .continue)))
                    case .reject(let error, let version):
                        let response = error.response
                        try await outbound.write(
                            contentsOf: HTTPWireResponse.parts(for: response, version: version, closeConnection: true)
                        )
                        try await channel.channel.closeFuture.get()
                        return
                    case .complete(let head, let body):
                        let request = HTTPRequest(
                            method: head.method,
                            target: head.uri,
                            headers: head.headers,
                            body: body,
                            wireProtocol: .http1,
                            remoteAddress: remoteAddress
                        )
                        let response = await responder.respond(to: request)
                        let keepAlive = head.isKeepAlive
                        try await outbound.write(
                            contentsOf: HTTPWireResponse.parts(
                                for: response,
                                version: head.version,
                                closeConnection: !keepAlive
                            )
                        )
                        requestFinished()
                        counted = false
                        if !keepAlive {
                            try await channel.channel.closeFuture.get()
                            return
                        }
                    }
                }
            }
        } catch {
            logger.debug("request abandoned", metadata: ["error": "\(error)"])
        }
    }
}
