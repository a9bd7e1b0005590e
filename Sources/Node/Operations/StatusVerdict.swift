/// How the nodes of a `/cluster` document add up: the verdict line of `murmur status` and its exit
/// status.
///
/// Every node member that has not `left` counts once, in the first bucket that applies: `dead` is
/// down; `suspect` is suspect; an alive node is ready, draining or starting by its health, and down
/// when its health is down (or a word this build does not know).
struct StatusVerdict: Hashable, Sendable {
    var nodes = 0
    var ready = 0
    var suspect = 0
    var draining = 0
    var starting = 0
    var down = 0

    init(_ document: ClusterDocument) {
        for member in document.members where member.isNode {
            switch member.state {
            case .left?:
                continue
            case .dead?:
                down += 1
            case .suspect?:
                suspect += 1
            case .alive?, .other?, nil:
                switch member.health {
                case .up? where member.state == .alive: ready += 1
                case .draining?: draining += 1
                case .starting?: starting += 1
                default: down += 1
                }
            }
            nodes += 1
        }
    }

    /// True when at least one node exists and every node that has not left is alive and up.
    var allReady: Bool { nodes > 0 && ready == nodes }

    /// `3/3 nodes ready, 0 suspect`, with draining, starting and down counts when they are not zero.
    var line: String {
        guard nodes > 0 else { return "no nodes: the cluster has no node member that has not left" }
        var line = "\(ready)/\(nodes) nodes ready, \(suspect) suspect"
        if draining > 0 { line += ", \(draining) draining" }
        if starting > 0 { line += ", \(starting) starting" }
        if down > 0 { line += ", \(down) down" }
        return line
    }
}
