import Cluster
import Foundation
import Model
import NIOCore
import NIOHTTP1
import Testing

@testable import Gateway

private func request(
    _ method: HTTPMethod, _ target: String, body: String? = nil, contentType: String? = "application/json"
) -> HTTPRequest {
    var headers = HTTPHeaders()
    if let contentType { headers.add(name: "Content-Type", value: contentType) }
    return HTTPRequest(method: method, target: target, headers: headers, body: ByteBuffer(string: body ?? ""))
}

private func json(_ response: HTTPResponse) throws -> [String: Any] {
    let data = Data(response.body.readableBytesView)
    return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
}

private func errorBody(_ response: HTTPResponse) throws -> [String: Any] {
    try #require(try json(response)["error"] as? [String: Any])
}

/// A node API over the synthetic model with its real batcher, cache and embedder.
private final class Fixture: Sendable {
    let model = SyntheticModel()
    let batcher: DynamicBatcher
    let cache = EmbeddingCache(maxEntries: 1000, maxBytes: 1 << 22)
    let readiness = NodeReadiness(.ready)
    let responder: NodeResponder

    init(maxInputs: Int = 2048) {
        batcher = DynamicBatcher(model: model)
        let embedder = Embedder(model: model, batcher: batcher, cache: cache)
        responder = NodeResponder(
            embedders: ["synthetic": embedder], readiness: readiness, maxInputs: maxInputs,
            clusterStatus: { Array(#"{"members":[]}"#.utf8) })
    }

    func expectedRow(_ text: String) throws -> [Float] {
        try model.embed([model.tokenize(text)])
    }

    deinit { batcher.shutdown() }
}

@Suite(.timeLimit(.minutes(1))) struct NodeResponderTests {
    @Test func embedsTextsEndToEnd() async throws {
        let fixture = Fixture()
        let texts = ["hello world", "second text here", "hello world"]
        let body = #"{"model":"synthetic","input":["hello world","second text here","hello world"]}"#
        let response = await fixture.responder.respond(to: request(.POST, "/v1/embeddings", body: body))
        #expect(response.status == .ok)
        #expect(response.headers.first(name: "Content-Type") == "application/json")
        let object = try json(response)
        #expect(object["model"] as? String == "synthetic")
        let usage = try #require(object["usage"] as? [String: Any])
        #expect(usage["prompt_tokens"] as? Int == 4 + 5 + 4)
        let data = try #require(object["data"] as? [[String: Any]])
        #expect(data.map { $0["index"] as? Int } == [0, 1, 2])
        for (item, text) in zip(data, texts) {
            let numbers = try #require(item["embedding"] as? [NSNumber])
            #expect(numbers.map { Float($0.doubleValue) } == (try fixture.expectedRow(text)))
        }
        #expect(fixture.batcher.stats.textsEmbedded == 2)

        // Again, now from the cache, in base64 with a charset parameter on the content type.
        let again = await fixture.responder.respond(
            to: request(
                .POST, "/v1/embeddings",
                body: #"{"model":"synthetic","input":"hello world","encoding_format":"base64"}"#,
                contentType: "Application/JSON; charset=utf-8"))
        #expect(again.status == .ok)
        let item = try #require((try json(again)["data"] as? [[String: Any]])?.first)
        let base64 = try #require(item["embedding"] as? String)
        let bytes = try #require(Data(base64Encoded: base64))
        let floats = stride(from: 0, to: bytes.count, by: 4).map { offset in
            Float(bitPattern: (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[offset + $1]) << (8 * $1) })
        }
        #expect(floats == (try fixture.expectedRow("hello world")))
        #expect(fixture.batcher.stats.textsEmbedded == 2)
        #expect(fixture.cache.stats.hits == 1)
        #expect(fixture.cache.stats.misses == 3)
    }

    @Test func tokenArraysSkipTokenization() async throws {
        let fixture = Fixture()
        let ids = fixture.model.tokenize("two words")
        let body = #"{"model":"synthetic","input":[["# + ids.map(String.init).joined(separator: ",") + "]]}"
        let response = await fixture.responder.respond(to: request(.POST, "/v1/embeddings", body: body))
        #expect(response.status == .ok)
        let object = try json(response)
        let numbers = try #require((object["data"] as? [[String: Any]])?.first?["embedding"] as? [NSNumber])
        #expect(numbers.map { Float($0.doubleValue) } == (try fixture.expectedRow("two words")))
        #expect((object["usage"] as? [String: Any])?["prompt_tokens"] as? Int == ids.count)

        // Longer than the model's 256: truncated like a text would be.
        let long =
            #"{"model":"synthetic","input":["# + Array(repeating: "1000", count: 300).joined(separator: ",") + "]}"
        let truncated = await fixture.responder.respond(to: request(.POST, "/v1/embeddings", body: long))
        #expect((try json(truncated)["usage"] as? [String: Any])?["prompt_tokens"] as? Int == 256)

        // An id outside the vocabulary is refused before it can fail anyone's batch.
        let outside = await fixture.responder.respond(
            to: request(.POST, "/v1/embeddings", body: #"{"model":"synthetic","input":[101,99999,102]}"#))
        #expect(outside.status == .badRequest)
        #expect(try errorBody(outside)["param"] as? String == "input")
        #expect(fixture.batcher.stats.batchesFailed == 0)
    }

    @Test func errorStatusesAreOpenAIShaped() async throws {
        let fixture = Fixture(maxInputs: 2)
        let cases: [(HTTPRequest, HTTPResponseStatus, String?)] = [
            (request(.POST, "/v1/embeddings", body: #"{"model":"nope","input":"x"}"#), .notFound, "model_not_found"),
            (
                request(.POST, "/v1/embeddings", body: #"{"model":"synthetic","input":["a","b","c"]}"#),
                .payloadTooLarge,
                "request_too_large"
            ),
            (
                request(
                    .POST, "/v1/embeddings", body: #"{"model":"synthetic","input":"x"}"#, contentType: "text/plain"),
                .unsupportedMediaType, "unsupported_media_type"
            ),
            (
                request(
                    .POST, "/v1/embeddings", body: #"{"model":"synthetic","input":"x"}"#,
                    contentType: "application/jsonx"),
                .unsupportedMediaType, "unsupported_media_type"
            ),
            (request(.POST, "/v1/embeddings", body: #"{"model":"synthetic","input":"#), .badRequest, "invalid_json"),
            (
                request(.POST, "/v1/embeddings", body: #"{"model":"synthetic","input":"x","dimensions":128}"#),
                .badRequest,
                "invalid_request"
            ),
            (request(.GET, "/v1/nothing"), .notFound, "not_found"),
            (request(.GET, "/"), .notFound, "not_found"),
        ]
        for (request, status, code) in cases {
            let response = await fixture.responder.respond(to: request)
            #expect(response.status == status, "\(request.target)")
            #expect(response.headers.first(name: "Content-Type") == "application/json")
            #expect(try errorBody(response)["code"] as? String == code)
            #expect(try errorBody(response)["message"] is String)
        }
        #expect(fixture.batcher.stats.jobsInFlight == 0)
        #expect(fixture.batcher.stats.batchesRun == 0)
    }

    @Test func missingContentTypeIsAccepted() async {
        let fixture = Fixture()
        let response = await fixture.responder.respond(
            to: request(.POST, "/v1/embeddings", body: #"{"model":"synthetic","input":"x"}"#, contentType: nil))
        #expect(response.status == .ok)
    }

    @Test func wrongMethodIs405WithAllow() async throws {
        let fixture = Fixture()
        let cases: [(HTTPMethod, String, String)] = [
            (.GET, "/v1/embeddings", "POST"), (.POST, "/v1/models", "GET"), (.DELETE, "/health", "GET"),
            (.PUT, "/metrics", "GET"), (.POST, "/cluster", "GET"), (.POST, "/ready", "GET"),
        ]
        for (method, path, allowed) in cases {
            let response = await fixture.responder.respond(to: request(method, path))
            #expect(response.status == .methodNotAllowed, "\(method) \(path)")
            #expect(response.headers.first(name: "Allow") == allowed)
            #expect(try errorBody(response)["code"] as? String == "method_not_allowed")
        }
    }

    @Test func modelsHealthReadyAndCluster() async throws {
        let fixture = Fixture()
        let models = await fixture.responder.respond(to: request(.GET, "/v1/models"))
        #expect(models.status == .ok)
        #expect((try json(models)["data"] as? [[String: Any]])?.map { $0["id"] as? String } == ["synthetic"])

        let health = await fixture.responder.respond(to: request(.GET, "/health"))
        #expect(health.status == .ok)
        #expect(try json(health)["status"] as? String == "ok")

        #expect(await fixture.responder.respond(to: request(.GET, "/ready?verbose=1")).status == .ok)
        for state in [MemberMetadata.ServingState.draining, .starting] {
            fixture.readiness.set(state)
            let ready = await fixture.responder.respond(to: request(.GET, "/ready"))
            #expect(ready.status == .serviceUnavailable)
            #expect(try errorBody(ready)["code"] as? String == state.rawValue)
            #expect(ready.headers.first(name: "Retry-After") == "1")
            // Liveness does not depend on readiness.
            #expect(await fixture.responder.respond(to: request(.GET, "/health")).status == .ok)
        }
        fixture.readiness.set(.ready)
        #expect(await fixture.responder.respond(to: request(.GET, "/ready")).status == .ok)

        let cluster = await fixture.responder.respond(to: request(.GET, "/cluster"))
        #expect(cluster.status == .ok)
        #expect(String(buffer: cluster.body) == #"{"members":[]}"#)
    }

    @Test func fullQueueIs429WithRetryAfter() async throws {
        let model = BlockingModel()
        let batcher = DynamicBatcher(model: model, configuration: .init(maxQueuedTokens: 1000, maxQueuedTexts: 1))
        defer { batcher.shutdown() }
        let responder = NodeResponder(
            embedders: ["blocking": Embedder(model: model, batcher: batcher, cache: nil)],
            readiness: NodeReadiness(.ready), clusterStatus: { [] })
        let bodies = ["first", "second", "third"].map { #"{"model":"blocking","input":""# + $0 + #""}"# }

        // The first request occupies the model; the second fills the one-text queue.
        let first = Task { await responder.respond(to: request(.POST, "/v1/embeddings", body: bodies[0])) }
        await model.waitUntilEntered()
        let second = Task { await responder.respond(to: request(.POST, "/v1/embeddings", body: bodies[1])) }
        while batcher.stats.queuedTexts < 1 { await Task.yield() }

        let refused = await responder.respond(to: request(.POST, "/v1/embeddings", body: bodies[2]))
        #expect(refused.status == .tooManyRequests)
        #expect(refused.headers.first(name: "Retry-After") == "1")
        #expect(try errorBody(refused)["type"] as? String == "rate_limit_error")
        #expect(try errorBody(refused)["code"] as? String == "overloaded")

        model.release(calls: 2)
        #expect(await first.value.status == .ok)
        #expect(await second.value.status == .ok)
        #expect(batcher.stats.jobsRejected == 1)
    }

    @Test func aCancelledRequestEndsAloneAndOthersStillSucceed() async throws {
        let model = BlockingModel()
        let batcher = DynamicBatcher(model: model)
        defer { batcher.shutdown() }
        let responder = NodeResponder(
            embedders: ["blocking": Embedder(model: model, batcher: batcher, cache: nil)],
            readiness: NodeReadiness(.ready), clusterStatus: { [] })
        let bodies = ["first", "second"].map { #"{"model":"blocking","input":""# + $0 + #""}"# }

        let first = Task { await responder.respond(to: request(.POST, "/v1/embeddings", body: bodies[0])) }
        await model.waitUntilEntered()
        let second = Task { await responder.respond(to: request(.POST, "/v1/embeddings", body: bodies[1])) }
        while batcher.stats.queuedTexts < 1 { await Task.yield() }

        // The client of the queued request goes away: its texts leave the queue unrun.
        second.cancel()
        let cancelled = await second.value
        #expect(cancelled.status.code == 499)
        #expect(batcher.stats.queuedTexts == 0)

        model.release()
        #expect(await first.value.status == .ok)
        #expect(batcher.stats.textsEmbedded == 1)
    }

    @Test func concurrentRequestsEachGetTheirOwnRows() async throws {
        let fixture = Fixture()
        let responder = fixture.responder
        let texts = (0..<64).map { "concurrent text number \($0)" }
        let answers = await withTaskGroup(of: (Int, HTTPResponse).self) { group in
            for (index, text) in texts.enumerated() {
                let body = #"{"model":"synthetic","input":["# + "\"\(text)\"" + "]}"
                group.addTask { (index, await responder.respond(to: request(.POST, "/v1/embeddings", body: body))) }
            }
            var answers: [Int: HTTPResponse] = [:]
            for await (index, response) in group { answers[index] = response }
            return answers
        }
        for (index, text) in texts.enumerated() {
            let response = try #require(answers[index])
            #expect(response.status == .ok)
            let numbers = try #require(
                (try json(response)["data"] as? [[String: Any]])?.first?["embedding"] as? [NSNumber])
            #expect(numbers.map { Float($0.doubleValue) } == (try fixture.expectedRow(text)))
        }
    }

    @Test func shutDownModelIs503() async throws {
        let fixture = Fixture()
        fixture.batcher.shutdown()
        let response = await fixture.responder.respond(
            to: request(.POST, "/v1/embeddings", body: #"{"model":"synthetic","input":"x"}"#))
        #expect(response.status == .serviceUnavailable)
        #expect(try errorBody(response)["code"] as? String == "shutting_down")
        #expect(response.headers.first(name: "Retry-After") == "1")
    }
}
