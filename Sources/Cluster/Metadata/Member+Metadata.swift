extension Member {
    /// The member's metadata decoded, or nil when it has none or it does not decode (a member of a
    /// newer, incompatible format, or not a Murmur member): callers treat such a member as unknown.
    public var decodedMetadata: MemberMetadata? {
        guard !metadata.isEmpty else { return nil }
        return try? MemberMetadata(decoding: metadata)
    }
}
