import Cluster
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization
import Testing

@testable import Gateway

/// A backend node for forwarding tests: records every body it is sent and answers as scripted —
/// with fixed bytes, with `503 draining` (not processed: the gateway retries elsewhere), or with a
/// real embeddings answer for the inputs it was sent (for the split path).
final class ScriptedBackend: HTTPResponder {
    enum Script: Sendable {
        case fixed([UInt8])
        case draining
        /// One row per input, every value of row `i` equal to `value(text)`.
        case embeddings(value: @Sendable (String) -> Float)
        /// No answer until `release` ends (then `503 draining`): a request still in flight.
        case hangs(release: AsyncStream<Void>)
    }

    let script: Script
    private let received = Mutex<[[UInt8]]>([])

    init(_ script: Script) {
        self.script = script
    }

    var bodies: [[UInt8]] { received.withLock { $0 } }

    func respond(to request: HTTPRequest) async -> HTTPResponse {
        received.withLock { $0.append(Array(request.body.readableBytesView)) }
        switch script {
        case .fixed(let bytes):
            return HTTPResponse(
                status: .ok, headers: ["content-type": "application/json"], body: ByteBuffer(bytes: bytes))
        case .draining:
            return APIError.notReady(.draining).response
        case .hangs(let release):
            for await _ in release {}
            return APIError.notReady(.draining).response
        case .embeddings(let value):
            do throws(APIError) {
                let decoded = try EmbeddingsRequest.decode(request.body)
                guard case .texts(let texts) = decoded.input else { return APIError.badRequest("texts only").response }
                let vectors = texts.flatMap { text in [Float](repeating: value(text), count: 4) }
                let response = EmbeddingsResponse(
                    model: decoded.model, vectors: vectors, dimension: 4, promptTokens: texts.count * 3)
                return HTTPResponse(
                    status: .ok, headers: ["content-type": "application/json"],
                    body: ByteBuffer(bytes: response.encoded(format: decoded.encodingFormat)))
            } catch {
                return error.response
            }
        }
    }
}

/// `GatewayResponder` in front of two scripted backends on loopback (port 0): the single-backend
/// pass-through, the split path, errors answered without a backend, and retries.
@Suite(.timeLimit(.minutes(1)))
struct GatewayForwardingTests {
    struct Fixture {
        let responder: GatewayResponder
        let directory: BackendDirectory
        /// Backend names, in the order the scripts were given.
        let names: [String]
    }

    /// Serves each script as a backend named `node-a`, `node-b`, … and runs `body` with a gateway
    /// that knows them (one ring owner per key unless `replicas` says otherwise).
    static func withGateway(
        _ scripts: [ScriptedBackend],
        replicas: Int = 1,
        _ body: (Fixture) async throws -> Void
    ) async throws {
        var servers: [HTTPServer] = []
        for backend in scripts {
            servers.append(
                try await HTTPServer.bind(
                    configuration: HTTPServer.Configuration(
                        host: "127.0.0.1", port: 0, shutdownGracePeriod: .seconds(5)),
                    responder: backend
                ))
        }
        let membership = try await Membership.bind(
            configuration: Membership.Configuration(
                name: "gw-test",
                bindAddress: Endpoint(host: "127.0.0.1", port: 0),
                metadata: try MemberMetadata(role: .gateway, httpAddress: "127.0.0.1:1", servingState: .ready).encoded()
            ))
        let directory = BackendDirectory(configuration: .init(), eventLoopGroup: MultiThreadedEventLoopGroup.singleton)
        let names = scripts.indices.map { "node-" + String(UnicodeScalar(UInt8(ascii: "a") + UInt8($0))) }
        let members = try zip(names, servers).map { name, server in
            Member(
                name: name, endpoint: Endpoint(host: "127.0.0.1", port: 2), state: .alive, incarnation: 1,
                metadata: try MemberMetadata(
                    role: .node, httpAddress: "127.0.0.1:\(server.localAddress.port ?? 0)", models: ["synthetic"],
                    servingState: .ready
                ).encoded(),
                stateChangedAt: .zero)
        }
        await directory.sync(with: MembershipSnapshot(localName: "gw-test", members: members, takenAt: .zero))
        let responder = GatewayResponder(
            configuration: .init(replicas: replicas), directory: directory, membership: membership)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for server in servers { group.addTask { try await server.run() } }
            var failure: (any Error)?
            do {
                try await body(Fixture(responder: responder, directory: directory, names: names))
            } catch {
                failure = error
            }
            await directory.shutdown()
            await membership.shutdown()
            for server in servers { server.shutdown() }
            try await group.waitForAll()
            if let failure { throw failure }
        }
    }

    static func post(_ responder: GatewayResponder, _ body: String) async -> HTTPResponse {
        await responder.respond(
            to: HTTPRequest(
                method: .POST, target: "/v1/embeddings", headers: ["Content-Type": "application/json"],
                body: ByteBuffer(string: body)))
    }

    /// A text whose single ring owner is the backend called `name`.
    static func text(ownedBy name: String, in directory: BackendDirectory) throws -> String {
        let planner = RoutePlanner(table: directory.table, now: directory.now(), replicas: 1)
        var generator = SystemRandomNumberGenerator()
        for candidate in (0..<200).map({ "text number \($0)" }) {
            let plan = try planner.plan(
                model: "synthetic", texts: [candidate], outstanding: { _ in 0 }, using: &generator)
            if plan.groups.first?.backendName == name { return candidate }
        }
        throw APIError.badRequest("no text of 200 is owned by \(name)")
    }

    /// A backend answer with spacing and member order no encoder here produces: any re-encoding
    /// by the gateway would show.
    static let unusualAnswer = Array(
        #"{ "data" : [ {"index":0,"object":"embedding","embedding":[0.5, -0.25,1e-3]} ], "object":"list", "model":"synthetic", "usage":{"total_tokens":9,"prompt_tokens": 9} }"#
            .utf8)

    @Test func aSingleBackendRequestIsPassedThroughByteForByte() async throws {
        let backends = [ScriptedBackend(.fixed(Self.unusualAnswer)), ScriptedBackend(.fixed(Self.unusualAnswer))]
        try await Self.withGateway(backends, replicas: 2) { fixture in
            let request = #"{"input": ["one text", "another text"],  "model":"synthetic", "user":"u-1"}"#
            let response = await Self.post(fixture.responder, request)
            #expect(response.status == .ok)
            #expect(response.headers.first(name: "Content-Type") == "application/json")
            #expect(Array(response.body.readableBytesView) == Self.unusualAnswer)
            // Both inputs went to one backend (the first joins the group of the second's owner
            // when they share one; with two owners per key they always do) with the client's bytes.
            let sent = backends.flatMap(\.bodies)
            #expect(sent == [Array(request.utf8)])
        }
    }

    @Test func aRequestSplitOverBackendsIsGatheredInInputOrder() async throws {
        let backends = [
            ScriptedBackend(.embeddings(value: { _ in 1 })), ScriptedBackend(.embeddings(value: { _ in 2 })),
        ]
        try await Self.withGateway(backends) { fixture in
            let onA = try Self.text(ownedBy: "node-a", in: fixture.directory)
            let onB = try Self.text(ownedBy: "node-b", in: fixture.directory)
            let response = await Self.post(
                fixture.responder, #"{"model":"synthetic","input":["\#(onB)","\#(onA)","\#(onB)"]}"#)
            #expect(response.status == .ok)
            let decoded = try EmbeddingsResponse.decode(response.body)
            #expect(decoded.model == "synthetic")
            #expect(decoded.dimension == 4)
            #expect(decoded.vectors == [2, 2, 2, 2, 1, 1, 1, 1, 2, 2, 2, 2])
            #expect(decoded.promptTokens == 9)
            // The client asked for floats (the default): the answer is numbers, not base64.
            #expect(String(buffer: response.body).contains(#""embedding":[1.0,1.0,1.0,1.0]"#))
            // Each group went to its owner re-encoded with base64 embeddings.
            let toA = try #require(backends[0].bodies.first)
            let toB = try #require(backends[1].bodies.first)
            #expect(try EmbeddingsRequest.decode(ByteBuffer(bytes: toA)).input == .texts([onA]))
            #expect(try EmbeddingsRequest.decode(ByteBuffer(bytes: toB)).input == .texts([onB, onB]))
            #expect(try EmbeddingsRequest.decode(ByteBuffer(bytes: toB)).encodingFormat == .base64)
        }
    }

    @Test func aBackendThatDidNotProcessIsRetriedOnAnotherWithTheSameBytes() async throws {
        let backends = [ScriptedBackend(.draining), ScriptedBackend(.fixed(Self.unusualAnswer))]
        try await Self.withGateway(backends) { fixture in
            let onA = try Self.text(ownedBy: "node-a", in: fixture.directory)
            let request = #"{"model":"synthetic","input":"\#(onA)","encoding_format":"float"}"#
            let response = await Self.post(fixture.responder, request)
            #expect(response.status == .ok)
            #expect(Array(response.body.readableBytesView) == Self.unusualAnswer)
            #expect(backends[0].bodies == [Array(request.utf8)])
            #expect(backends[1].bodies == [Array(request.utf8)])
            #expect(fixture.responder.statistics.retryCount == 1)
        }
    }

    @Test func badRequestsAreAnsweredWithoutABackend() async throws {
        let backends = [ScriptedBackend(.fixed(Self.unusualAnswer)), ScriptedBackend(.fixed(Self.unusualAnswer))]
        try await Self.withGateway(backends) { fixture in
            let malformed = await Self.post(fixture.responder, #"{"model":"synthetic","input":["a"]"#)
            #expect(malformed.status == .badRequest)
            let unknownModel = await Self.post(fixture.responder, #"{"model":"gpt-9","input":"a"}"#)
            #expect(unknownModel.status == .notFound)
            #expect(String(buffer: unknownModel.body).contains("model_not_found"))
            let empty = await Self.post(fixture.responder, #"{"model":"synthetic","input":[]}"#)
            #expect(empty.status == .badRequest)
            #expect(backends.allSatisfy { $0.bodies.isEmpty })
        }
    }

    @Test func promptTokensAreReadFromTheEndOfAnAnswer() {
        #expect(EmbeddingsResponse.promptTokens(in: ByteBuffer(bytes: Self.unusualAnswer)) == 9)
        let encoded = EmbeddingsResponse(model: "m", vectors: [1, 2], dimension: 2, promptTokens: 1234)
            .encoded(format: .float)
        #expect(EmbeddingsResponse.promptTokens(in: ByteBuffer(bytes: encoded)) == 1234)
        #expect(EmbeddingsResponse.promptTokens(in: ByteBuffer(string: #"{"prompt_tokens":"x"}"#)) == nil)
        #expect(EmbeddingsResponse.promptTokens(in: ByteBuffer(string: "")) == nil)
    }
}
