import NIOCore
import NIOHTTP1

/// How an `HTTPResponse` goes on the wire: the head with `content-length` and `server: murmur`,
/// the body, the end. Shared by HTTP/1.1 and HTTP/2 (the stream codec drops connection headers).
enum HTTPWireResponse {
    static func parts(
        for response: HTTPResponse,
        version: HTTPVersion,
        closeConnection: Bool
    ) -> [HTTPServerResponsePart] {
        var headers = response.headers
        headers.remove(name: "transfer-encoding")
        headers.replaceOrAdd(name: "content-length", value: String(response.body.readableBytes))
        if !headers.contains(name: "server") { headers.add(name: "server", value: "murmur") }
        if closeConnection, version.major < 2 {
            headers.replaceOrAdd(name: "connection", value: "close")
        }
        let head = HTTPResponseHead(version: version, status: response.status, headers: headers)
        if response.body.readableBytes == 0 {
            return [.head(head), .end(nil)]
        }
        return [.head(head), .body(.byteBuffer(response.body)), .end(nil)]
    }
}
