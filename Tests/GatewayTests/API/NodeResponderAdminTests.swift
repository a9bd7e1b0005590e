import Foundation
import Model
import NIOCore
import NIOHTTP1
import Synchronization
import Testing

@testable import Gateway

/// An `AdminControl` that records the actions it is asked for and answers like a node's life cycle.
private final class RecordingControl: AdminControl {
    private let state = Mutex<(current: AdminState, actions: [AdminAction])>((.ready, []))

    var actions: [AdminAction] { state.withLock { $0.actions } }

    func perform(_ action: AdminAction) async throws(APIError) -> AdminState {
        let result: Result<AdminState, APIError> = state.withLock { state in
            state.actions.append(action)
            switch (action, state.current) {
            case (.resume, .restarting): return .failure(APIError.conflict("restarting"))
            case (.drain, .ready): state.current = .draining
            case (.resume, _): state.current = .ready
            case (.restart, _): state.current = .restarting
            case (.drain, _): break
            }
            return .success(state.current)
        }
        return try result.get()
    }
}

private func adminRequest(_ method: HTTPMethod, _ path: String, authorization: [String] = []) -> HTTPRequest {
    var headers = HTTPHeaders()
    for value in authorization { headers.add(name: "Authorization", value: value) }
    return HTTPRequest(method: method, target: path, headers: headers)
}

private func object(_ response: HTTPResponse) throws -> [String: Any] {
    let data = Data(response.body.readableBytesView)
    return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
}

private func error(_ response: HTTPResponse) throws -> [String: Any] {
    try #require(try object(response)["error"] as? [String: Any])
}

/// A node API whose model blocks until released, with the admin endpoints behind `token`.
private final class AdminFixture: Sendable {
    let model = BlockingModel()
    let batcher: DynamicBatcher
    let readiness = NodeReadiness(.ready)
    let control = RecordingControl()
    let responder: NodeResponder

    init(token: String? = "t0ken", withControl: Bool = true) {
        batcher = DynamicBatcher(model: model)
        let embedder = Embedder(
            model: model, batcher: batcher, cache: EmbeddingCache(maxEntries: 10, maxBytes: 1 << 16))
        responder = NodeResponder(
            embedders: ["blocking": embedder], readiness: readiness,
            clusterStatus: { Array(#"{"members":[]}"#.utf8) },
            adminAuthorization: AdminAuthorization(token: token),
            adminControl: withControl ? control : nil)
    }

    deinit { batcher.shutdown() }
}

@Suite(.timeLimit(.minutes(1))) struct NodeResponderAdminTests {
    @Test func authorizedActionsAnswerStateAndInFlight() async throws {
        let fixture = AdminFixture()
        let bearer = ["Bearer t0ken"]
        let drained = await fixture.responder.respond(to: adminRequest(.POST, "/admin/drain", authorization: bearer))
        #expect(drained.status == .ok)
        #expect(drained.headers.first(name: "Content-Type") == "application/json")
        #expect(String(buffer: drained.body) == #"{"state":"draining","in_flight":0}"#)

        let resumed = await fixture.responder.respond(to: adminRequest(.POST, "/admin/resume", authorization: bearer))
        #expect(resumed.status == .ok)
        #expect(String(buffer: resumed.body) == #"{"state":"ready","in_flight":0}"#)

        let restarting = await fixture.responder.respond(
            to: adminRequest(.POST, "/admin/restart", authorization: bearer))
        #expect(restarting.status == .accepted)
        #expect(String(buffer: restarting.body) == #"{"state":"restarting","in_flight":0}"#)

        // A conflict from the control plane is an OpenAI-shaped 409.
        let conflict = await fixture.responder.respond(to: adminRequest(.POST, "/admin/resume", authorization: bearer))
        #expect(conflict.status == .conflict)
        #expect(try error(conflict)["type"] as? String == "invalid_request_error")
        #expect(fixture.control.actions == [.drain, .resume, .restart, .resume])
    }

    @Test func missingOrMalformedAuthorizationIs401WithChallenge() async throws {
        let fixture = AdminFixture()
        for authorization in [[], ["Basic dTpw"], ["Bearer"], ["Bearer t0ken", "Bearer t0ken"]] {
            for action in AdminAction.allCases {
                let response = await fixture.responder.respond(
                    to: adminRequest(.POST, action.path, authorization: authorization))
                #expect(response.status == .unauthorized, "\(authorization) \(action)")
                #expect(response.headers.first(name: "WWW-Authenticate") == "Bearer")
                let body = try error(response)
                #expect(body["type"] as? String == "authentication_error")
                #expect(body["message"] as? String != nil)
            }
        }
        #expect(fixture.control.actions.isEmpty)
    }

    @Test func aWrongTokenIs403() async throws {
        let fixture = AdminFixture()
        for action in AdminAction.allCases {
            let response = await fixture.responder.respond(
                to: adminRequest(.POST, action.path, authorization: ["Bearer t0keN"]))
            #expect(response.status == .forbidden)
            #expect(response.headers.first(name: "WWW-Authenticate") == nil)
            #expect(try error(response)["type"] as? String == "permission_error")
        }
        #expect(fixture.control.actions.isEmpty)
    }

    @Test func withoutATokenOrControlAdminIsDisabled() async throws {
        for fixture in [AdminFixture(token: nil), AdminFixture(token: "t0ken", withControl: false)] {
            for authorization in [[], ["Bearer t0ken"]] {
                let response = await fixture.responder.respond(
                    to: adminRequest(.POST, "/admin/drain", authorization: authorization))
                #expect(response.status == .forbidden)
                let body = try error(response)
                #expect(body["type"] as? String == "permission_error")
                #expect(body["message"] as? String == "admin endpoints are disabled: no admin token is configured")
            }
            #expect(fixture.control.actions.isEmpty)
        }
    }

    @Test func otherMethodsAre405WithAllowBeforeAuthorization() async throws {
        let fixture = AdminFixture()
        for action in AdminAction.allCases {
            for method in [HTTPMethod.GET, .PUT, .DELETE, .PATCH] {
                let response = await fixture.responder.respond(
                    to: adminRequest(method, action.path, authorization: ["Bearer t0ken"]))
                #expect(response.status == .methodNotAllowed, "\(method) \(action.path)")
                #expect(response.headers.first(name: "Allow") == "POST")
            }
        }
        let unknown = await fixture.responder.respond(
            to: adminRequest(.POST, "/admin/reboot", authorization: ["Bearer t0ken"]))
        #expect(unknown.status == .notFound)
        #expect(fixture.control.actions.isEmpty)
    }

    @Test func inFlightCountsOnlyEmbeddingsAndDrainingRefusesNewOnes() async throws {
        let fixture = AdminFixture()
        var embeddingsRequest = HTTPRequest(
            method: .POST, target: "/v1/embeddings",
            body: ByteBuffer(string: #"{"model":"blocking","input":"held at the gate"}"#))
        embeddingsRequest.headers.add(name: "Content-Type", value: "application/json")
        let held = Task { await fixture.responder.respond(to: embeddingsRequest) }
        await fixture.model.waitUntilEntered()
        #expect(fixture.readiness.embeddingsInFlight == 1)

        // Health, metrics and the admin requests themselves are not counted.
        _ = await fixture.responder.respond(to: adminRequest(.GET, "/health"))
        _ = await fixture.responder.respond(to: adminRequest(.GET, "/metrics"))
        let drained = await fixture.responder.respond(
            to: adminRequest(.POST, "/admin/drain", authorization: ["Bearer t0ken"]))
        #expect(String(buffer: drained.body) == #"{"state":"draining","in_flight":1}"#)

        // The control plane owns readiness; here the test flips it as the node's life cycle would.
        fixture.readiness.set(.draining)
        let refused = await fixture.responder.respond(to: embeddingsRequest)
        #expect(refused.status == .serviceUnavailable)
        #expect(try error(refused)["code"] as? String == "draining")
        #expect(refused.headers.first(name: "Retry-After") == "1")
        #expect(fixture.readiness.embeddingsInFlight == 1)

        fixture.model.release()
        let answer = await held.value
        #expect(answer.status == .ok)
        #expect(fixture.readiness.embeddingsInFlight == 0)
        let polled = await fixture.responder.respond(
            to: adminRequest(.POST, "/admin/drain", authorization: ["Bearer t0ken"]))
        #expect(String(buffer: polled.body) == #"{"state":"draining","in_flight":0}"#)
    }
}
