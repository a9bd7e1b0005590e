extension PushPullState {
    /// Encodes the state; members that would push it past `WireFormat.maxPushPullSize` are left out
    /// (the cap is far above any realistic cluster, and a partial state is still a valid state).
    public func encoded() -> [UInt8] {
        var writer = ByteWriter(capacity: 16 + members.count * 48)
        writer.write(WireFormat.version)
        writer.write(WireFormat.pushPullMarker)
        writer.write(isJoin ? 1 : 0)
        var entries = ByteWriter(capacity: members.count * 48)
        var count = 0
        for member in members.prefix(WireFormat.maxPushPullMembers) {
            var entry = ByteWriter()
            entry.writeString(member.name)
            entry.writeEndpoint(member.endpoint)
            entry.write(member.state.rawValue)
            entry.writeVarint(member.incarnation)
            entry.writeBytes(member.metadata)
            if 16 + entries.bytes.count + entry.bytes.count > WireFormat.maxPushPullSize { break }
            entries.bytes.append(contentsOf: entry.bytes)
            count += 1
        }
        writer.writeVarint(UInt64(count))
        writer.bytes.append(contentsOf: entries.bytes)
        return writer.bytes
    }

    /// Decodes a push-pull state completely or throws.
    public init(decoding bytes: [UInt8]) throws(WireError) {
        guard bytes.count <= WireFormat.maxPushPullSize else {
            throw WireError(
                .tooLarge, "push-pull state is \(bytes.count) bytes, the limit is \(WireFormat.maxPushPullSize)")
        }
        var reader = ByteReader(bytes)
        let version = try reader.readByte("version")
        guard version == WireFormat.version else {
            throw WireError(
                .unsupportedVersion, "push-pull format version \(version), this build speaks \(WireFormat.version)")
        }
        let marker = try reader.readByte("push-pull marker")
        guard marker == WireFormat.pushPullMarker else {
            throw WireError(.invalidValue, "not a push-pull state (marker \(marker))")
        }
        let flags = try reader.readByte("push-pull flags")
        guard flags <= 1 else { throw WireError(.invalidValue, "push-pull flags \(flags) are not defined") }
        let count = try reader.readVarint("member count")
        // Each entry takes at least 7 bytes, so a count the remaining bytes cannot hold is rejected
        // before any allocation.
        guard count <= UInt64(WireFormat.maxPushPullMembers), count <= UInt64(reader.remaining / 7) else {
            throw WireError(.invalidValue, "push-pull state claims \(count) members in \(reader.remaining) bytes")
        }
        var members: [Entry] = []
        members.reserveCapacity(Int(count))
        for _ in 0..<count {
            let name = try reader.readString("member name", limit: WireFormat.maxNameLength)
            let endpoint = try reader.readEndpoint("member")
            let rawState = try reader.readByte("member state")
            guard let state = MemberState(rawValue: rawState) else {
                throw WireError(.invalidValue, "member state \(rawState) is not defined")
            }
            let incarnation = try reader.readVarint("member incarnation")
            let metadata = try reader.readBytes("member metadata", limit: WireFormat.maxMetadataSize)
            members.append(
                Entry(name: name, endpoint: endpoint, state: state, incarnation: incarnation, metadata: metadata)
            )
        }
        guard reader.isAtEnd else {
            throw WireError(.trailingBytes, "push-pull state has \(reader.remaining) bytes after its last member")
        }
        self.init(isJoin: flags == 1, members: members)
    }
}
