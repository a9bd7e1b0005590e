public import Cluster

/// The hash ring of the backends serving one model, with each ring member's health-table index.
///
/// The ring holds every backend in the table that lists the model, healthy or not, so a key keeps
/// its owners while one of them is briefly out (its requests walk to the next backend in the
/// key's ring order and come back when it recovers), and the cache it warmed stays useful.
public struct ModelRing: Sendable, Hashable {
    /// The ring over backend names.
    public let ring: HashRing
    /// `backendIndices[i]` is the health-table index of `ring.members[i]`.
    public let backendIndices: [Int]

    /// A ring over the given (name, table index) pairs; a repeated name keeps its last index.
    public init(backends: some Sequence<(name: String, index: Int)>) {
        var indexByName: [String: Int] = [:]
        for backend in backends { indexByName[backend.name] = backend.index }
        let ring = HashRing(members: indexByName.keys)
        self.ring = ring
        self.backendIndices = ring.members.map { indexByName[$0] ?? -1 }
    }
}
