extension SWIMPacket {
    /// Encodes the packet. The caller (the core's packer) keeps it within the packet budget.
    public func encoded() -> [UInt8] {
        Self.encode(framedMessages: messages.map { $0.encoded() })
    }

    /// Assembles a packet from messages that are already framed by `SWIMMessage.encoded()`.
    static func encode(framedMessages: [[UInt8]]) -> [UInt8] {
        var writer = ByteWriter(capacity: framedMessages.reduce(WireFormat.packetHeaderSize) { $0 + $1.count })
        writer.write(WireFormat.version)
        writer.writeVarint(UInt64(framedMessages.count))
        for message in framedMessages { writer.bytes.append(contentsOf: message) }
        return writer.bytes
    }

    /// Decodes a packet completely or throws; `maxSize` rejects oversized input before parsing.
    public init(decoding bytes: [UInt8], maxSize: Int = 65_507) throws(WireError) {
        guard bytes.count <= maxSize else {
            throw WireError(.tooLarge, "packet is \(bytes.count) bytes, the limit is \(maxSize)")
        }
        var reader = ByteReader(bytes)
        let version = try reader.readByte("version")
        guard version == WireFormat.version else {
            throw WireError(
                .unsupportedVersion, "packet format version \(version), this build speaks \(WireFormat.version)")
        }
        let count = try reader.readVarint("message count")
        guard count >= 1, count <= UInt64(WireFormat.maxMessagesPerPacket) else {
            throw WireError(
                .invalidValue, "packet claims \(count) messages (allowed 1…\(WireFormat.maxMessagesPerPacket))")
        }
        var messages: [SWIMMessage] = []
        messages.reserveCapacity(Int(count))
        for _ in 0..<count {
            messages.append(try SWIMMessage.decode(from: &reader, packet: bytes))
        }
        guard reader.isAtEnd else {
            throw WireError(.trailingBytes, "packet has \(reader.remaining) bytes after its last message")
        }
        self.init(messages: messages)
    }
}
