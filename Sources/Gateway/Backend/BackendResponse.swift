public import NIOCore
public import NIOHTTP1

/// A complete response from a backend node: the final status (informational 1xx responses are
/// skipped), the response headers without HTTP/2 pseudo-headers, and the whole body.
public struct BackendResponse: Sendable {
    public var status: HTTPResponseStatus
    public var headers: HTTPHeaders
    public var body: ByteBuffer

    public init(status: HTTPResponseStatus, headers: HTTPHeaders = HTTPHeaders(), body: ByteBuffer = ByteBuffer()) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}
