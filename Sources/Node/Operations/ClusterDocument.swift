/// The `/cluster` document a gateway (or node) serves, decoded for `murmur status` and
/// `murmur rolling-restart`.
///
/// Decoding is tolerant of everything optional (fields added by newer builds, nulls for unknown
/// values) and strict only about what cannot be worked around: the body must be a JSON object whose
/// `members` is an array of objects that each have a `name`.
struct ClusterDocument: Hashable, Sendable {
    /// The answering member's name.
    var local: String?
    var members: [ClusterMember]
    var hints: [ClusterHint] = []

    init(local: String? = nil, members: [ClusterMember], hints: [ClusterHint] = []) {
        self.local = local
        self.members = members
        self.hints = hints
    }

    /// The member called `name`, if the document lists it.
    func member(named name: String) -> ClusterMember? {
        members.first { $0.name == name }
    }

    /// Members with role `node`, in name order.
    var nodes: [ClusterMember] {
        members.filter(\.isNode).sorted { $0.name < $1.name }
    }
}
