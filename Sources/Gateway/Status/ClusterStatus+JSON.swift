/// The hand-written JSON encoding of the `/cluster` document (no reflection, one buffer).
extension ClusterStatus {
    /// The JSON body.
    public func encoded() -> [UInt8] {
        let members = self.members
        var out: [UInt8] = []
        out.reserveCapacity(512 + members.count * 384)
        out.append(contentsOf: #"{"local":"#.utf8)
        JSONString.append(snapshot.localName, to: &out)
        out.append(contentsOf: #","members":["#.utf8)
        for (index, member) in members.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            append(member, to: &out)
        }
        let summary = ClusterSummary(members: members)
        out.append(contentsOf: #"],"summary":{"nodes":"#.utf8)
        out.append(contentsOf: String(summary.nodes).utf8)
        out.append(contentsOf: #","ready":"#.utf8)
        out.append(contentsOf: String(summary.ready).utf8)
        out.append(contentsOf: #","suspect":"#.utf8)
        out.append(contentsOf: String(summary.suspect).utf8)
        out.append(contentsOf: #","down":"#.utf8)
        out.append(contentsOf: String(summary.down).utf8)
        out.append(contentsOf: #","draining":"#.utf8)
        out.append(contentsOf: String(summary.draining).utf8)
        out.append(contentsOf: #","left":"#.utf8)
        out.append(contentsOf: String(summary.left).utf8)
        out.append(contentsOf: #","verdict":"#.utf8)
        JSONString.append(summary.verdict, to: &out)
        out.append(UInt8(ascii: "}"))
        if let gateway {
            out.append(contentsOf: #","gateway":{"requests_per_s":"#.utf8)
            Self.appendNumber(gateway.traffic.requestsPerSecond, to: &out)
            out.append(contentsOf: #","p50_ms":"#.utf8)
            Self.appendNumber(gateway.traffic.p50Milliseconds, to: &out)
            out.append(contentsOf: #","p99_ms":"#.utf8)
            Self.appendNumber(gateway.traffic.p99Milliseconds, to: &out)
            out.append(contentsOf: #","in_flight":"#.utf8)
            out.append(contentsOf: String(gateway.inFlight).utf8)
            out.append(contentsOf: #","errors_per_s":"#.utf8)
            Self.appendNumber(gateway.traffic.errorsPerSecond, to: &out)
            out.append(contentsOf: #"},"events":["#.utf8)
            for (index, event) in gateway.events.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                out.append(contentsOf: #"{"at":"#.utf8)
                Self.appendNumber(event.at, to: &out)
                out.append(contentsOf: #","member":"#.utf8)
                JSONString.append(event.member, to: &out)
                out.append(contentsOf: #","kind":"#.utf8)
                JSONString.append(event.kind.rawValue, to: &out)
                out.append(UInt8(ascii: "}"))
            }
            out.append(UInt8(ascii: "]"))
        }
        out.append(contentsOf: #","hints":["#.utf8)
        for (index, hint) in StatusHint.hints(members: members, gateway: gateway?.traffic, limits: limits).enumerated()
        {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: #"{"severity":"#.utf8)
            JSONString.append(hint.severity.rawValue, to: &out)
            out.append(contentsOf: #","member":"#.utf8)
            JSONString.appendOptional(hint.member, to: &out)
            out.append(contentsOf: #","message":"#.utf8)
            JSONString.append(hint.message, to: &out)
            out.append(UInt8(ascii: "}"))
        }
        out.append(contentsOf: #"],"limits":{"max_queued_texts":"#.utf8)
        out.append(contentsOf: String(limits.maxQueuedTexts).utf8)
        out.append(contentsOf: #","max_in_flight_per_backend":"#.utf8)
        out.append(contentsOf: String(limits.maxInFlightPerBackend).utf8)
        out.append(contentsOf: #"},"generated_at":"#.utf8)
        Self.appendNumber(now, to: &out)
        out.append(UInt8(ascii: "}"))
        return out
    }

    private func append(_ member: MemberStatus, to out: inout [UInt8]) {
        out.append(contentsOf: #"{"name":"#.utf8)
        JSONString.append(member.name, to: &out)
        out.append(contentsOf: #","role":"#.utf8)
        JSONString.appendOptional(member.role, to: &out)
        out.append(contentsOf: #","state":"#.utf8)
        JSONString.append(member.state, to: &out)
        out.append(contentsOf: #","incarnation":"#.utf8)
        out.append(contentsOf: String(member.incarnation).utf8)
        out.append(contentsOf: #","http":"#.utf8)
        JSONString.appendOptional(member.http, to: &out)
        out.append(contentsOf: #","gossip":"#.utf8)
        JSONString.append(member.gossip, to: &out)
        out.append(contentsOf: #","health":"#.utf8)
        JSONString.append(member.health, to: &out)
        out.append(contentsOf: #","in_flight":"#.utf8)
        out.append(contentsOf: String(member.inFlight).utf8)
        out.append(contentsOf: #","queue_depth":"#.utf8)
        out.append(contentsOf: String(member.queueDepth).utf8)
        out.append(contentsOf: #","cache_hit_rate":"#.utf8)
        Self.appendNumber(member.cacheHitRate, to: &out)
        out.append(contentsOf: #","models":["#.utf8)
        for (modelIndex, model) in member.models.enumerated() {
            if modelIndex > 0 { out.append(UInt8(ascii: ",")) }
            JSONString.append(model, to: &out)
        }
        out.append(contentsOf: #"],"version":"#.utf8)
        JSONString.appendOptional(member.version, to: &out)
        out.append(contentsOf: #","started_at":"#.utf8)
        Self.appendNumber(member.startedAt, to: &out)
        out.append(contentsOf: #","uptime_s":"#.utf8)
        Self.appendNumber(member.uptimeSeconds, to: &out)
        if gateway != nil {
            let traffic = member.traffic.flatMap { $0.requests > 0 ? $0 : nil }
            out.append(contentsOf: #","requests_per_s":"#.utf8)
            Self.appendNumber(traffic?.requestsPerSecond, to: &out)
            out.append(contentsOf: #","p50_ms":"#.utf8)
            Self.appendNumber(traffic?.p50Milliseconds, to: &out)
            out.append(contentsOf: #","p99_ms":"#.utf8)
            Self.appendNumber(traffic?.p99Milliseconds, to: &out)
            out.append(contentsOf: #","errors_per_s":"#.utf8)
            Self.appendNumber(traffic?.errorsPerSecond, to: &out)
            out.append(contentsOf: #","ring_share":"#.utf8)
            Self.appendNumber(member.ringShare, to: &out)
            out.append(contentsOf: #","ring_shares":{"#.utf8)
            for (shareIndex, model) in member.ringShares.keys.sorted().enumerated() {
                if shareIndex > 0 { out.append(UInt8(ascii: ",")) }
                JSONString.append(model, to: &out)
                out.append(UInt8(ascii: ":"))
                Self.appendNumber(member.ringShares[model], to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
        out.append(UInt8(ascii: "}"))
    }

    /// A number rounded to millisecond precision (3 decimals), or `null` when absent or not finite.
    static func appendNumber(_ value: Double?, to out: inout [UInt8]) {
        guard let value, value.isFinite else {
            out.append(contentsOf: "null".utf8)
            return
        }
        let rounded = (value * 1000).rounded() / 1000
        if rounded == rounded.rounded(), abs(rounded) < 1e15 {
            out.append(contentsOf: String(Int64(rounded)).utf8)
        } else {
            out.append(contentsOf: String(rounded).utf8)
        }
    }
}
