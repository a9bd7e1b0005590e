import Cluster
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Testing

@testable import Gateway

@Suite struct StatusPageTests {
    static func page(_ status: ClusterStatus) -> String {
        String(decoding: StatusPage.render(status), as: UTF8.self)
    }

    /// The JSON the page embeds, parsed back.
    static func embedded(_ html: String) throws -> [String: Any] {
        let start = try #require(html.range(of: #"<script id="cluster-data" type="application/json">"#))
        let rest = html[start.upperBound...]
        let end = try #require(rest.range(of: "</script>"))
        let json = String(rest[..<end.lowerBound])
        return try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
    }

    @Test func membersAreRenderedServerSideWithStableHooks() throws {
        let html = Self.page(try ClusterStatusTests.gatewayStatus())
        #expect(html.hasPrefix("<!doctype html>"))
        #expect(html.contains(#"<div id="verdict" class="verdict warn">2/4 nodes ready, 1 suspect, 1 down</div>"#))
        for (name, health, state) in [
            ("gateway", "up", "alive"), ("node-0", "up", "alive"), ("node-1", "up", "suspect"),
            ("node-2", "down", "dead"), ("node-3", "up", "alive"),
        ] {
            #expect(
                html.contains(
                    #"<tr class="member" data-name="\#(name)" data-health="\#(health)" data-state="\#(state)""#),
                "\(name)")
        }
        #expect(html.contains(#"<td class="rps num">3.0</td>"#))
        #expect(html.contains(#"<td class="latency num">1.25 ms / 4.00 ms</td>"#))
        #expect(html.contains("<span>25.0%</span>"))
        #expect(html.contains("<th>Cache hits</th>"))
        #expect(html.contains(#"<td class="cache num">93.5%</td>"#))
        // node-3 sends no cache counters, the gateway has no cache: shown as unknown, not 0%.
        #expect(html.components(separatedBy: #"<td class="cache num">—</td>"#).count == 3)
        #expect(html.contains(#"'<td class="cache num">' + pct(m.cache_hit_rate)"#), "the script builds the same cell")
        #expect(html.contains(#"<td class="uptime num">1m 40s</td>"#))
        #expect(html.contains(#"<div class="figure" data-field="p99_ms"><span class="value">9.25 ms</span>"#))
        #expect(html.contains(#"<li class="event" data-kind="dead" data-member="node-2"><time>22:14:50</time>"#))
        #expect(html.contains(#"<li class="hint" data-severity="critical">"#))
        #expect(!html.contains("http://") && !html.contains("https://"), "no external asset")
        let embedded = try Self.embedded(html)
        #expect((embedded["members"] as? [Any])?.count == 5)
    }

    @Test func textFromMembersCannotBreakOutOfTheMarkup() throws {
        let evil = "</script><img src=x onerror=alert(1)>"
        let metadata = MemberMetadata(role: .node, httpAddress: evil, models: [evil], servingState: .ready)
        let member = Member(
            name: evil, endpoint: Endpoint(host: "127.0.0.1", port: 1), state: .alive, incarnation: 1,
            metadata: try metadata.encoded(), stateChangedAt: .zero)
        let status = ClusterStatus(
            snapshot: MembershipSnapshot(localName: evil, members: [member], takenAt: .zero),
            gateway: ClusterStatus.GatewayView(
                traffic: TrafficSummary(requests: 0, failures: 0, requestsPerSecond: 0, errorsPerSecond: 0),
                inFlight: 0, events: [ClusterEvent(at: 0, member: evil, kind: .joined)])
        )
        let html = Self.page(status)
        #expect(!html.contains("<img"))
        #expect(html.components(separatedBy: "</script>").count == 3)  // the data and the script, nothing else
        let embedded = try Self.embedded(html)
        #expect(embedded["local"] as? String == evil)
        #expect(html.contains(#"data-name="&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;""#))
    }

    @Test func emptyClusterSaysSo() {
        let status = ClusterStatus(snapshot: MembershipSnapshot(localName: "gw", members: [], takenAt: .zero))
        let html = Self.page(status)
        #expect(html.contains(#"class="verdict bad">0/0 nodes ready, 0 suspect<"#))
        #expect(html.contains("No events yet."))
        #expect(html.contains(#"data-severity="critical""#))
        #expect(!html.contains(#"id="gateway""#))
    }

    @Test func formatting() {
        #expect(StatusPage.percent(nil) == "—")
        #expect(StatusPage.percent(.nan) == "—")
        #expect(StatusPage.percent(0) == "0.0%")
        #expect(StatusPage.percent(0.9354) == "93.5%")
        #expect(StatusPage.percent(1) == "100.0%")
        #expect(StatusPage.duration(nil) == "—")
        #expect(StatusPage.duration(42.9) == "42s")
        #expect(StatusPage.duration(3_725) == "1h 2m")
        #expect(StatusPage.duration(200_000) == "2d 7h")
        #expect(StatusPage.milliseconds(0.5) == "0.50 ms")
        #expect(StatusPage.milliseconds(42.25) == "42.2 ms" || StatusPage.milliseconds(42.25) == "42.3 ms")
        #expect(StatusPage.milliseconds(1234) == "1234 ms")
        #expect(StatusPage.clockTime(86_399) == "23:59:59")
        #expect(StatusPage.clockTime(-1) == "23:59:59")
    }
}

/// The gateway's `/` route through `GatewayResponder` (a real directory and an unstarted
/// membership bound to port 0).
@Suite struct GatewayStatusRouteTests {
    static func withResponder(_ body: (GatewayResponder, BackendDirectory) async throws -> Void) async throws {
        let membership = try await Membership.bind(
            configuration: Membership.Configuration(
                name: "gw-test",
                bindAddress: Endpoint(host: "127.0.0.1", port: 0),
                metadata: try MemberMetadata(role: .gateway, httpAddress: "127.0.0.1:1", servingState: .ready).encoded()
            ))
        let directory = BackendDirectory(
            configuration: .init(), eventLoopGroup: MultiThreadedEventLoopGroup.singleton, wallClock: { 1_000 })
        let responder = GatewayResponder(configuration: .init(), directory: directory, membership: membership)
        do {
            try await body(responder, directory)
        } catch {
            await directory.shutdown()
            await membership.shutdown()
            throw error
        }
        await directory.shutdown()
        await membership.shutdown()
    }

    @Test func servesThePageOnGetAndHeadOnly() async throws {
        try await Self.withResponder { responder, directory in
            let node = MemberMetadata(
                role: .node, httpAddress: "127.0.0.1:1", models: ["synthetic"], servingState: .ready)
            let members = try ["node-0", "node-1"].map { name in
                Member(
                    name: name, endpoint: Endpoint(host: "127.0.0.1", port: 2), state: .alive, incarnation: 1,
                    metadata: try node.encoded(), stateChangedAt: .zero)
            }
            await directory.sync(with: MembershipSnapshot(localName: "gw-test", members: members, takenAt: .zero))
            let shares = directory.ringShares
            #expect(abs((shares["node-0"]?["synthetic"] ?? 0) + (shares["node-1"]?["synthetic"] ?? 0) - 1) < 1e-9)

            let get = await responder.respond(to: HTTPRequest(method: .GET, target: "/"))
            #expect(get.status == .ok)
            #expect(get.headers.first(name: "Content-Type") == "text/html; charset=utf-8")
            #expect(get.headers.first(name: "Cache-Control") == "no-store")
            let html = String(buffer: get.body)
            #expect(html.contains(#"<tr class="member" data-name="gw-test" data-health="up""#))
            #expect(html.contains(#"id="gateway""#))

            let head = await responder.respond(to: HTTPRequest(method: .HEAD, target: "/"))
            #expect(head.status == .ok && head.body.readableBytes == 0)
            #expect(head.headers.first(name: "Content-Type") == "text/html; charset=utf-8")

            let post = await responder.respond(to: HTTPRequest(method: .POST, target: "/"))
            #expect(post.status == .methodNotAllowed)
            #expect(post.headers.first(name: "Allow") == "GET, HEAD")

            let cluster = await responder.respond(to: HTTPRequest(method: .GET, target: "/cluster"))
            let object = try #require(
                try JSONSerialization.jsonObject(with: Data(cluster.body.readableBytesView)) as? [String: Any])
            #expect(object["gateway"] is [String: Any])
            #expect(object["events"] is [Any])
            #expect(object["summary"] is [String: Any])
        }
    }
}
