import Testing

@testable import Node

@Suite struct ClusterDocumentDecodingTests {
    @Test func decodesTodaysDocumentWithoutTheNewFields() throws {
        let json = """
            {"local":"gateway","members":[
              {"name":"gateway","role":"gateway","state":"alive","incarnation":1,"http":"127.0.0.1:8080",
               "gossip":"127.0.0.1:7949","health":"up","in_flight":0,"queue_depth":0,"models":[],"version":"0.1.0"},
              {"name":"node-0","role":"node","state":"suspect","incarnation":7,"http":"127.0.0.1:9000",
               "gossip":"127.0.0.1:7946","health":"draining","in_flight":3,"queue_depth":1,
               "models":["synthetic","all-MiniLM-L6-v2"],"version":"0.1.0"}]}
            """
        let document = try ClusterDocument(json: Array(json.utf8))
        #expect(document.local == "gateway")
        #expect(document.members.map(\.name) == ["gateway", "node-0"])
        let node = try #require(document.member(named: "node-0"))
        #expect(node.isNode && !node.isGateway)
        #expect(node.state == .suspect && node.health == .draining)
        #expect(node.incarnation == 7 && node.inFlight == 3 && node.queueDepth == 1)
        #expect(node.models == ["synthetic", "all-MiniLM-L6-v2"])
        #expect(node.http == "127.0.0.1:9000" && node.gossip == "127.0.0.1:7946")
        #expect(node.startedAt == nil && node.p99Milliseconds == nil && node.ringShare == nil)
        #expect(node.cacheHitRate == nil)
        #expect(document.nodes.map(\.name) == ["node-0"])
    }

    @Test func decodesTheAddedFieldsAndToleratesNullsAndUnknownWords() throws {
        let json = """
            {"local":"gateway","summary":{"nodes":1},"gateway":{"requests_per_s":3},
             "events":[{"at":1,"member":"node-0","kind":"joined"}],
             "hints":[{"severity":"warning","member":"node-0","message":"slow"},
                      {"severity":"info","member":null,"message":"fine"},{"severity":"info"}],
             "members":[
              {"name":"node-0","role":"node","state":"rejoining","incarnation":null,"http":null,"health":"sleepy",
               "started_at":1700000000.25,"uptime_s":12,"requests_per_s":4.5,"p50_ms":1.5,"p99_ms":9,
               "ring_share":0.5,"cache_hit_rate":0.875,"models":["a",3,null],"version":null,"in_flight":"many"},
              {"name":"bare","cache_hit_rate":null}]}
            """
        let document = try ClusterDocument(json: Array(json.utf8))
        let node = try #require(document.member(named: "node-0"))
        #expect(node.state == .other("rejoining") && node.health == .other("sleepy"))
        #expect(node.incarnation == nil && node.http == nil && node.version == nil && node.inFlight == nil)
        #expect(node.startedAt == 1_700_000_000.25 && node.uptimeSeconds == 12)
        #expect(node.requestsPerSecond == 4.5 && node.p50Milliseconds == 1.5 && node.p99Milliseconds == 9)
        #expect(node.ringShare == 0.5)
        #expect(node.cacheHitRate == 0.875)
        #expect(node.models == ["a"])
        let bare = try #require(document.member(named: "bare"))
        #expect(bare.role == nil && bare.state == nil && bare.models.isEmpty && bare.cacheHitRate == nil)
        #expect(
            document.hints == [
                ClusterHint(severity: "warning", member: "node-0", message: "slow"),
                ClusterHint(severity: "info", member: nil, message: "fine"),
            ])
    }

    @Test func rejectsWhatIsNotAClusterDocument() {
        func message(_ text: String) -> String {
            do {
                _ = try ClusterDocument(json: Array(text.utf8))
                return "(decoded)"
            } catch {
                return error.message
            }
        }
        #expect(message("<html>").hasPrefix("the /cluster answer is not JSON: "))
        #expect(message("[1]") == "the /cluster answer is an array, not a JSON object")
        #expect(message(#"{"local":"x"}"#) == #"the /cluster answer has no "members" array"#)
        #expect(message(#"{"members":[{"role":"node"}]}"#) == #"the /cluster answer's member 0 has no "name" string"#)
        #expect(message(#"{"members":[]}"#) == "(decoded)")
    }

    @Test func adminRepliesReadSuccessAndErrorBodies() {
        let drained = AdminReply(status: 200, body: Array(#"{"state":"draining","in_flight":3}"#.utf8))
        #expect(drained == AdminReply(status: 200, state: "draining", inFlight: 3))
        #expect(drained.isSuccess)
        let refused = AdminReply(
            status: 403,
            body: Array(#"{"error":{"message":"wrong token","type":"permission_error","param":null,"code":null}}"#.utf8)
        )
        #expect(refused == AdminReply(status: 403, errorMessage: "wrong token"))
        #expect(!refused.isSuccess)
        #expect(AdminReply(status: 502, body: Array("bad gateway".utf8)) == AdminReply(status: 502))
        #expect(AdminReply(status: 202, body: []).isSuccess)
    }
}
