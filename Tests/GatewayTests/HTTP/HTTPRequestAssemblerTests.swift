import NIOCore
import NIOHTTP1
import Testing

@testable import Gateway

@Suite struct HTTPRequestAssemblerTests {
    static func head(_ headers: [(String, String)] = [], method: HTTPMethod = .POST) -> HTTPServerRequestPart {
        .head(HTTPRequestHead(version: .http1_1, method: method, uri: "/x", headers: HTTPHeaders(headers)))
    }

    @Test func completesWithTheWholeBody() {
        var assembler = HTTPRequestAssembler(maxBodyBytes: 10)
        #expect(assembler.receive(Self.head([("content-length", "5")])) == .readMore)
        #expect(assembler.isMidRequest)
        #expect(assembler.receive(.body(ByteBuffer(string: "he"))) == .readMore)
        #expect(assembler.receive(.body(ByteBuffer(string: "llo"))) == .readMore)
        guard case .complete(let head, let body) = assembler.receive(.end(nil)) else {
            Issue.record("expected a complete request")
            return
        }
        #expect(head.uri == "/x")
        #expect(String(buffer: body) == "hello")
        #expect(!assembler.isMidRequest)
    }

    @Test func declaredLengthOverLimitIsRefusedAtTheHead() {
        var assembler = HTTPRequestAssembler(maxBodyBytes: 10)
        guard case .reject(let error, _) = assembler.receive(Self.head([("content-length", "11")])) else {
            Issue.record("expected a rejection")
            return
        }
        #expect(error.status == 413)
        // Whatever follows is ignored: nothing is buffered and nothing completes.
        #expect(assembler.receive(.body(ByteBuffer(string: "01234567890"))) == .readMore)
        #expect(assembler.receive(.end(nil)) == .readMore)
    }

    @Test func streamedBodyIsRefusedAtTheChunkThatCrossesTheLimit() {
        var assembler = HTTPRequestAssembler(maxBodyBytes: 10)
        #expect(assembler.receive(Self.head([("transfer-encoding", "chunked")])) == .readMore)
        #expect(assembler.receive(.body(ByteBuffer(string: "0123456789"))) == .readMore)
        guard case .reject(let error, _) = assembler.receive(.body(ByteBuffer(string: "x"))) else {
            Issue.record("expected a rejection")
            return
        }
        #expect(error.status == 413)
        #expect(error.code == "request_too_large")
    }

    @Test func malformedContentLengthIsA400() {
        var assembler = HTTPRequestAssembler(maxBodyBytes: 10)
        guard case .reject(let error, _) = assembler.receive(Self.head([("content-length", "-3")])) else {
            Issue.record("expected a rejection")
            return
        }
        #expect(error.status == 400)
    }

    @Test func expectContinueIsAnsweredOnlyWhenTheBodyFits() {
        var fits = HTTPRequestAssembler(maxBodyBytes: 10)
        #expect(
            fits.receive(Self.head([("content-length", "4"), ("expect", "100-continue")])) == .sendContinue(.http1_1))
        var tooBig = HTTPRequestAssembler(maxBodyBytes: 10)
        guard
            case .reject(let error, _) = tooBig.receive(
                Self.head([("content-length", "40"), ("expect", "100-continue")]))
        else {
            Issue.record("expected a rejection")
            return
        }
        #expect(error.status == 413)
    }

    @Test func servesRequestAfterRequest() {
        var assembler = HTTPRequestAssembler(maxBodyBytes: 10)
        for _ in 0..<3 {
            #expect(assembler.receive(Self.head(method: .GET)) == .readMore)
            guard case .complete(_, let body) = assembler.receive(.end(nil)) else {
                Issue.record("expected a complete request")
                return
            }
            #expect(body.readableBytes == 0)
        }
    }

    @Test func partsOutOfOrderAreRefused() {
        var assembler = HTTPRequestAssembler(maxBodyBytes: 10)
        guard case .reject(let error, _) = assembler.receive(.body(ByteBuffer(string: "x"))) else {
            Issue.record("expected a rejection")
            return
        }
        #expect(error.status == 400)
    }
}
