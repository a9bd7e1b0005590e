public import NIOCore
public import NIOHTTP1

/// One HTTP request as the API layer sees it, whichever protocol carried it (HTTP/1.1, h2c or h2
/// over TLS): the body is complete and within the server's size limit before a responder sees it.
public struct HTTPRequest: Sendable {
    /// The protocol that carried the request.
    public enum WireProtocol: String, Sendable {
        case http1 = "HTTP/1.1"
        case http2 = "HTTP/2"
    }

    public var method: HTTPMethod
    /// The request target as sent: path plus optional `?query`.
    public var target: String
    public var headers: HTTPHeaders
    public var body: ByteBuffer
    public var wireProtocol: WireProtocol
    /// The client's address, when the transport knows it.
    public var remoteAddress: SocketAddress?

    public init(
        method: HTTPMethod,
        target: String,
        headers: HTTPHeaders = HTTPHeaders(),
        body: ByteBuffer = ByteBuffer(),
        wireProtocol: WireProtocol = .http1,
        remoteAddress: SocketAddress? = nil
    ) {
        self.method = method
        self.target = target
        self.headers = headers
        self.body = body
        self.wireProtocol = wireProtocol
        self.remoteAddress = remoteAddress
    }

    /// The path without the query string.
    public var path: Substring {
        if let question = target.firstIndex(of: "?") { return target[..<question] }
        return target[...]
    }

    /// The query string after `?`, if any.
    public var query: Substring? {
        guard let question = target.firstIndex(of: "?") else { return nil }
        return target[target.index(after: question)...]
    }
}

/// A complete HTTP response.
public struct HTTPResponse: Sendable {
    public var status: HTTPResponseStatus
    public var headers: HTTPHeaders
    public var body: ByteBuffer

    public init(status: HTTPResponseStatus, headers: HTTPHeaders = HTTPHeaders(), body: ByteBuffer = ByteBuffer()) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

/// What answers requests: the node's and the gateway's APIs. Called once per request with the whole
/// body; when the client goes away first, the calling task is cancelled.
public protocol HTTPResponder: Sendable {
    func respond(to request: HTTPRequest) async -> HTTPResponse
}
