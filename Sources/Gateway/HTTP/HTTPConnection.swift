import NIOCore
import NIOHTTP1
import NIOHTTP2

/// An accepted connection once its protocol is known: an HTTP/1.1 connection carrying requests one
/// after another, or an HTTP/2 connection whose streams each carry one request. Both protocols hand
/// the server the same request and response parts (HTTP/2 streams through
/// `HTTP2FramePayloadToHTTP1ServerCodec`), so one request loop serves both.
enum HTTPConnection: Sendable {
    typealias RequestChannel = NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>

    case http1(RequestChannel)
    case http2(channel: any Channel, streams: NIOHTTP2Handler.AsyncStreamMultiplexer<RequestChannel>)
}
