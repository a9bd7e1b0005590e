import NIOHPACK
import NIOHTTP1

extension HTTPWireResponse {
    /// A response head as an HTTP/2 header block, built in one pass with no HTTP/1 head in between:
    /// `:status` first, lowercase names, `content-length` and `server: murmur` as on HTTP/1, and
    /// without the connection-specific fields HTTP/2 forbids (RFC 9113 §8.2.2).
    static func http2Headers(for response: HTTPResponse) -> HPACKHeaders {
        var headers = HPACKHeaders()
        headers.reserveCapacity(response.headers.count + 3)
        headers.add(name: ":status", value: String(response.status.code))
        var hasServer = false
        for (name, value) in response.headers {
            // Names are almost always lowercase already; only others pay for a lowercased copy.
            let lowered =
                name.utf8.contains { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") } ? name.lowercased() : name
            switch lowered {
            case "content-length", "connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade":
                continue
            case "server":
                hasServer = true
            default:
                break
            }
            headers.add(name: lowered, value: value)
        }
        headers.add(name: "content-length", value: String(response.body.readableBytes))
        if !hasServer { headers.add(name: "server", value: "murmur") }
        return headers
    }
}
