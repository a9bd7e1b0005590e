public import NIOCore
public import NIOHTTP1

/// One request to send to a backend node over the pool's HTTP/2 connections.
///
/// The body is sent whole; the deadline bounds the wait for a free stream and for the complete
/// response (a request past its deadline fails with ``BackendError/Code/timedOut`` and its stream
/// is reset).
public struct BackendRequest: Sendable {
    public var method: HTTPMethod
    /// The request target: path plus optional `?query`, e.g. `/v1/embeddings`.
    public var path: String
    /// Request headers. Connection-specific HTTP/1.1 headers (`connection`, `keep-alive`,
    /// `transfer-encoding`, `upgrade`, `host`, …) are dropped because HTTP/2 forbids them; names
    /// are sent in lower case.
    public var headers: HTTPHeaders
    public var body: ByteBuffer
    /// When the caller stops waiting.
    public var deadline: NIODeadline

    public init(
        method: HTTPMethod,
        path: String,
        headers: HTTPHeaders = HTTPHeaders(),
        body: ByteBuffer = ByteBuffer(),
        deadline: NIODeadline
    ) {
        self.method = method
        self.path = path
        self.headers = headers
        self.body = body
        self.deadline = deadline
    }
}
