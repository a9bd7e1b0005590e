extension SWIMMessage {
    /// The message as it appears inside a packet: kind, body length, body.
    public func encoded() -> [UInt8] {
        var body = ByteWriter()
        let kind: WireFormat.Kind
        switch self {
        case .ping(let ping):
            kind = .ping
            body.writeVarint(UInt64(ping.sequence))
            body.writeString(ping.target)
            body.writeString(ping.source.name)
            body.writeEndpoint(ping.source.endpoint)
        case .ack(let sequence):
            kind = .ack
            body.writeVarint(UInt64(sequence))
        case .pingRequest(let request):
            kind = .pingRequest
            body.writeVarint(UInt64(request.sequence))
            body.writeString(request.target)
            body.writeEndpoint(request.targetEndpoint)
            body.writeString(request.source.name)
            body.writeEndpoint(request.source.endpoint)
            body.write(request.wantsNack ? 1 : 0)
        case .nack(let sequence):
            kind = .nack
            body.writeVarint(UInt64(sequence))
        case .alive(let alive):
            kind = .alive
            body.writeString(alive.name)
            body.writeVarint(alive.incarnation)
            body.writeEndpoint(alive.endpoint)
            body.writeBytes(alive.metadata)
        case .suspect(let suspect):
            kind = .suspect
            body.writeString(suspect.name)
            body.writeVarint(suspect.incarnation)
            body.writeString(suspect.from)
        case .dead(let dead):
            kind = .dead
            body.writeString(dead.name)
            body.writeVarint(dead.incarnation)
            body.writeString(dead.from)
        }
        var framed = ByteWriter(capacity: body.bytes.count + 4)
        framed.write(kind.rawValue)
        framed.writeBytes(body.bytes)
        return framed.bytes
    }

    /// Decodes one framed message; the reader is left just after it.
    static func decode(from reader: inout ByteReader, packet: [UInt8]) throws(WireError) -> SWIMMessage {
        let rawKind = try reader.readByte("message kind")
        guard let kind = WireFormat.Kind(rawValue: rawKind) else {
            throw WireError(.unknownMessageKind, "unknown message kind \(rawKind)")
        }
        let length = try reader.readVarint("message length")
        guard length <= UInt64(reader.remaining) else {
            throw WireError(.truncated, "message claims \(length) bytes but \(reader.remaining) remain")
        }
        let start = reader.offset
        var body = ByteReader(packet, from: start, to: start + Int(length))
        let message = try decodeBody(kind, from: &body)
        guard body.isAtEnd else {
            throw WireError(.trailingBytes, "message kind \(rawKind) has \(body.remaining) unread bytes")
        }
        try reader.skip(Int(length), "message body")
        return message
    }

    private static func decodeBody(_ kind: WireFormat.Kind, from body: inout ByteReader) throws(WireError)
        -> SWIMMessage
    {
        let nameLimit = WireFormat.maxNameLength
        switch kind {
        case .ping:
            let sequence = try body.readVarint(UInt32.self, "ping sequence")
            let target = try body.readString("ping target", limit: nameLimit)
            let source = try body.readString("ping source", limit: nameLimit)
            let endpoint = try body.readEndpoint("ping source")
            return .ping(Ping(sequence: sequence, target: target, source: Source(name: source, endpoint: endpoint)))
        case .ack:
            return .ack(sequence: try body.readVarint(UInt32.self, "ack sequence"))
        case .pingRequest:
            let sequence = try body.readVarint(UInt32.self, "ping-req sequence")
            let target = try body.readString("ping-req target", limit: nameLimit)
            let targetEndpoint = try body.readEndpoint("ping-req target")
            let source = try body.readString("ping-req source", limit: nameLimit)
            let sourceEndpoint = try body.readEndpoint("ping-req source")
            let flag = try body.readByte("ping-req nack flag")
            guard flag <= 1 else { throw WireError(.invalidValue, "ping-req nack flag is \(flag)") }
            return .pingRequest(
                PingRequest(
                    sequence: sequence,
                    target: target,
                    targetEndpoint: targetEndpoint,
                    source: Source(name: source, endpoint: sourceEndpoint),
                    wantsNack: flag == 1
                )
            )
        case .nack:
            return .nack(sequence: try body.readVarint(UInt32.self, "nack sequence"))
        case .alive:
            let name = try body.readString("alive name", limit: nameLimit)
            let incarnation = try body.readVarint("alive incarnation")
            let endpoint = try body.readEndpoint("alive")
            let metadata = try body.readBytes("alive metadata", limit: WireFormat.maxMetadataSize)
            return .alive(Alive(name: name, incarnation: incarnation, endpoint: endpoint, metadata: metadata))
        case .suspect:
            let name = try body.readString("suspect name", limit: nameLimit)
            let incarnation = try body.readVarint("suspect incarnation")
            let from = try body.readString("suspect origin", limit: nameLimit)
            return .suspect(Suspect(name: name, incarnation: incarnation, from: from))
        case .dead:
            let name = try body.readString("dead name", limit: nameLimit)
            let incarnation = try body.readVarint("dead incarnation")
            let from = try body.readString("dead origin", limit: nameLimit)
            return .dead(Dead(name: name, incarnation: incarnation, from: from))
        }
    }
}
