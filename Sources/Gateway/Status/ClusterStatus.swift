public import Cluster

/// The `/cluster` document (`murmur status --json`): every member as this process sees it.
///
/// `{"members":[{"name","role","state","incarnation","http","gossip","health","in_flight",
/// "queue_depth","models","version"}…],"local":…}`; health is `up`, `down`, `draining` or
/// `starting`. A gateway passes its own health-check verdicts to override what gossip says.
public struct ClusterStatus: Sendable {
    /// What the local process knows about one member's health beyond gossip (e.g. failing checks).
    public enum HealthOverride: Sendable {
        case down
        case ejected
    }

    public var snapshot: MembershipSnapshot
    public var healthOverrides: [String: HealthOverride]

    public init(snapshot: MembershipSnapshot, healthOverrides: [String: HealthOverride] = [:]) {
        self.snapshot = snapshot
        self.healthOverrides = healthOverrides
    }

    /// The health word for `member`: dead or left members are down; otherwise the serving state
    /// from its metadata, unless a local verdict says down.
    public func health(of member: Member) -> String {
        guard member.state.isLive else { return "down" }
        if healthOverrides[member.name] != nil { return "down" }
        switch member.decodedMetadata?.servingState {
        case .ready?: return "up"
        case .draining?: return "draining"
        case .starting?: return "starting"
        case nil: return "down"
        }
    }

    /// The JSON body.
    public func encoded() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(64 + snapshot.members.count * 256)
        out.append(contentsOf: #"{"local":"#.utf8)
        JSONString.append(snapshot.localName, to: &out)
        out.append(contentsOf: #","members":["#.utf8)
        for (index, member) in snapshot.members.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            let metadata = member.decodedMetadata
            out.append(contentsOf: #"{"name":"#.utf8)
            JSONString.append(member.name, to: &out)
            out.append(contentsOf: #","role":"#.utf8)
            JSONString.appendOptional(metadata?.role.rawValue, to: &out)
            out.append(contentsOf: #","state":"#.utf8)
            JSONString.append(member.state.description, to: &out)
            out.append(contentsOf: #","incarnation":"#.utf8)
            out.append(contentsOf: String(member.incarnation).utf8)
            out.append(contentsOf: #","http":"#.utf8)
            JSONString.appendOptional(metadata?.httpAddress, to: &out)
            out.append(contentsOf: #","gossip":"#.utf8)
            JSONString.append(member.endpoint.description, to: &out)
            out.append(contentsOf: #","health":"#.utf8)
            JSONString.append(health(of: member), to: &out)
            out.append(contentsOf: #","in_flight":"#.utf8)
            out.append(contentsOf: String(metadata?.load.inFlight ?? 0).utf8)
            out.append(contentsOf: #","queue_depth":"#.utf8)
            out.append(contentsOf: String(metadata?.load.queueDepth ?? 0).utf8)
            out.append(contentsOf: #","models":["#.utf8)
            for (modelIndex, model) in (metadata?.models ?? []).enumerated() {
                if modelIndex > 0 { out.append(UInt8(ascii: ",")) }
                JSONString.append(model, to: &out)
            }
            out.append(contentsOf: #"],"version":"#.utf8)
            JSONString.appendOptional(metadata?.softwareVersion, to: &out)
            out.append(UInt8(ascii: "}"))
        }
        out.append(contentsOf: "]}".utf8)
        return out
    }
}
