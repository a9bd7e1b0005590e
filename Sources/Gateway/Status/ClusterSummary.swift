/// The verdict line: how many serving nodes there are and how many are in each condition.
///
/// Only `node` members count (gateways serve no model). `ready` nodes are alive and healthy,
/// `suspect` ones missed probes, `down` ones are dead, gone or failing checks, `draining` ones
/// finish their work; a node that is still starting is in `nodes` but in none of the others.
public struct ClusterSummary: Sendable, Hashable {
    public var nodes = 0
    public var ready = 0
    public var suspect = 0
    public var down = 0
    public var draining = 0

    public init(members: [MemberStatus]) {
        for member in members where member.isNode {
            nodes += 1
            if member.state == "suspect" {
                suspect += 1
                continue
            }
            switch member.health {
            case "up": ready += 1
            case "down": down += 1
            case "draining": draining += 1
            default: break
            }
        }
    }

    /// "3/3 nodes ready, 0 suspect" and, when there are any, the down and draining counts.
    public var verdict: String {
        var text = "\(ready)/\(nodes) nodes ready, \(suspect) suspect"
        if down > 0 { text += ", \(down) down" }
        if draining > 0 { text += ", \(draining) draining" }
        return text
    }
}
