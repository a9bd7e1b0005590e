import NIOCore
import NIOHTTP1

/// Turns the parts of one request (head, body chunks, end) into a complete `HTTPRequest`, enforcing
/// the body limit without ever holding more than the limit: a `Content-Length` over the limit is
/// refused at the head, a body that grows past it (chunked, or a length that lied) at the chunk that
/// crosses it. Pure value type: the server's I/O shell feeds it parts and carries out its actions.
struct HTTPRequestAssembler {
    /// What the shell does after a part.
    enum Action: Equatable {
        /// Keep reading.
        case readMore
        /// The client asked `Expect: 100-continue` and the body is acceptable: send `100 Continue`.
        case sendContinue(HTTPVersion)
        /// Refuse the request with this error and close the stream or connection: the rest of the
        /// body (if any) will not be read.
        case reject(APIError, HTTPVersion)
        /// The request is complete: hand it to the responder.
        case complete(HTTPRequestHead, ByteBuffer)
    }

    private enum State {
        case idle
        case receivingBody(HTTPRequestHead, ByteBuffer)
        case rejected
    }

    let maxBodyBytes: Int
    private var state: State = .idle

    init(maxBodyBytes: Int) {
        self.maxBodyBytes = maxBodyBytes
    }

    /// True between a request's head and its end.
    var isMidRequest: Bool {
        if case .receivingBody = state { return true }
        return false
    }

    mutating func receive(_ part: HTTPServerRequestPart) -> Action {
        switch (state, part) {
        case (.idle, .head(let head)):
            var body = ByteBuffer()
            if let declared = head.headers.first(name: "content-length") {
                guard let length = Int(declared.trimmingSpaces), length >= 0 else {
                    state = .rejected
                    return .reject(
                        .badRequest("The Content-Length header '\(declared)' is not a number."), head.version)
                }
                if length > maxBodyBytes {
                    state = .rejected
                    return .reject(tooLarge(declared: length), head.version)
                }
                body.reserveCapacity(length)
            }
            state = .receivingBody(head, body)
            if head.headers.first(name: "expect")?.lowercased() == "100-continue" {
                return .sendContinue(head.version)
            }
            return .readMore

        case (.receivingBody(let head, var body), .body(var chunk)):
            guard body.readableBytes + chunk.readableBytes <= maxBodyBytes else {
                state = .rejected
                return .reject(tooLarge(declared: nil), head.version)
            }
            // Drop the state's reference first so the append does not copy the buffer.
            state = .idle
            body.writeBuffer(&chunk)
            state = .receivingBody(head, body)
            return .readMore

        case (.receivingBody(let head, let body), .end):
            state = .idle
            return .complete(head, body)

        case (.rejected, _):
            return .readMore

        case (.idle, .body), (.idle, .end), (.receivingBody, .head):
            // The HTTP/1 decoder and the HTTP/2 codec never produce these orders; refuse rather than trust.
            state = .rejected
            return .reject(.badRequest("The request's parts arrived out of order."), .http1_1)
        }
    }

    private func tooLarge(declared: Int?) -> APIError {
        let size = declared.map { "\($0) bytes" } ?? "more than \(maxBodyBytes) bytes"
        return .tooLarge("The request body is \(size); the limit is \(maxBodyBytes) bytes.")
    }
}

extension String {
    fileprivate var trimmingSpaces: Substring {
        var view = self[...]
        while view.first == " " || view.first == "\t" { view.removeFirst() }
        while view.last == " " || view.last == "\t" { view.removeLast() }
        return view
    }
}
