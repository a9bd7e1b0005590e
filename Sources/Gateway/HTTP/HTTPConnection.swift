import NIOCore
import NIOHTTP1

/// An accepted connection once its protocol is known: an HTTP/1.1 connection carrying requests one
/// after another, served by the server's request loop, or an HTTP/2 connection whose streams are
/// served inside its pipeline (`HTTP2StreamResponder`), so the server only waits for it to close.
enum HTTPConnection: Sendable {
    typealias RequestChannel = NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>

    case http1(RequestChannel)
    case http2(any Channel)
}
