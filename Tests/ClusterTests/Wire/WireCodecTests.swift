import Testing

@testable import Cluster

@Suite struct WireCodecTests {
    static let source = SWIMMessage.Source(name: "node-α", endpoint: Endpoint(host: "10.1.2.3", port: 7946))

    /// One of every message kind, with edge values.
    static let everyKind: [SWIMMessage] = [
        .ping(SWIMMessage.Ping(sequence: .max, target: "target", source: source)),
        .ack(sequence: 0),
        .pingRequest(
            SWIMMessage.PingRequest(
                sequence: 123_456,
                target: "t",
                targetEndpoint: Endpoint(host: "fe80::1", port: 65_535),
                source: source,
                wantsNack: true
            )
        ),
        .nack(sequence: 99),
        .alive(
            SWIMMessage.Alive(
                name: "n",
                incarnation: .max,
                endpoint: Endpoint(host: "h", port: 0),
                metadata: Array(repeating: 0xAB, count: 512)
            )
        ),
        .alive(
            SWIMMessage.Alive(name: "empty-meta", incarnation: 0, endpoint: Endpoint(host: "h", port: 1), metadata: [])),
        .suspect(SWIMMessage.Suspect(name: "a", incarnation: 300, from: "b")),
        .dead(SWIMMessage.Dead(name: "a", incarnation: 1 << 40, from: "b")),
        .dead(SWIMMessage.Dead(name: "leaver", incarnation: 2, from: "leaver")),
    ]

    @Test func everyMessageKindRoundTrips() throws {
        for message in Self.everyKind {
            let bytes = SWIMPacket(messages: [message]).encoded()
            #expect(bytes.first == WireFormat.version)
            #expect(try SWIMPacket(decoding: bytes) == SWIMPacket(messages: [message]))
        }
        let compound = SWIMPacket(messages: Self.everyKind)
        #expect(try SWIMPacket(decoding: compound.encoded()) == compound)
        #expect(SWIMMessage.Dead(name: "leaver", incarnation: 2, from: "leaver").isLeave)
    }

    @Test func pushPullStateRoundTrips() throws {
        let state = PushPullState(
            isJoin: true,
            members: (0..<50).map { index in
                PushPullState.Entry(
                    name: "member-\(index)",
                    endpoint: Endpoint(host: "10.0.0.\(index)", port: UInt16(7000 + index)),
                    state: MemberState(rawValue: UInt8(index % 4)) ?? .alive,
                    incarnation: UInt64(index) * 1_000_003,
                    metadata: Array(repeating: UInt8(index), count: index * 10)
                )
            }
        )
        #expect(try PushPullState(decoding: state.encoded()) == state)
        let empty = PushPullState(isJoin: false, members: [])
        #expect(try PushPullState(decoding: empty.encoded()) == empty)
    }

    @Test func everyTruncationFailsCleanly() throws {
        let packet = SWIMPacket(messages: Self.everyKind).encoded()
        for length in 0..<packet.count {
            #expect(throws: WireError.self) { try SWIMPacket(decoding: Array(packet.prefix(length))) }
        }
        let state = PushPullState(
            isJoin: false,
            members: [
                PushPullState.Entry(
                    name: "a", endpoint: Endpoint(host: "h", port: 1), state: .dead, incarnation: 7,
                    metadata: [1, 2, 3])
            ]
        ).encoded()
        for length in 0..<state.count {
            #expect(throws: WireError.self) { try PushPullState(decoding: Array(state.prefix(length))) }
        }
    }

    @Test func rejectsWrongVersionOversizeTrailingBytesAndBadValues() {
        var packet = SWIMPacket(messages: [.ack(sequence: 1)]).encoded()
        func code(_ bytes: [UInt8], maxSize: Int = 65_507) -> WireError.Code? {
            do {
                _ = try SWIMPacket(decoding: bytes, maxSize: maxSize)
                return nil
            } catch {
                return error.code
            }
        }
        #expect(code(packet) == nil)
        packet[0] = 2
        #expect(code(packet) == .unsupportedVersion)
        packet[0] = 1
        #expect(code(packet + [0]) == .trailingBytes)
        #expect(code(Array(repeating: 1, count: 1401), maxSize: 1400) == .tooLarge)
        #expect(code([1, 0]) == .invalidValue)  // zero messages
        #expect(code([1, 1, 42, 0]) == .unknownMessageKind)
        // An ack whose body has an extra byte.
        #expect(code([1, 1, 2, 2, 1, 0]) == .trailingBytes)
        // A sequence number beyond UInt32.
        #expect(code([1, 1, 2, 5, 0xFF, 0xFF, 0xFF, 0xFF, 0x1F]) == .invalidValue)
        // An 11-byte varint.
        #expect(code([1, 1, 2, 11] + Array(repeating: 0xFF, count: 10) + [0]) == .invalidValue)
        // A name that is not UTF-8.
        let badName: [UInt8] = [1, 1, 6, 5, 1, 0xFF, 0, 1, 0x62]
        #expect(code(badName) == .invalidValue)
        // Metadata over 512 bytes.
        var writer = ByteWriter()
        writer.writeString("n")
        writer.writeVarint(1)
        writer.writeEndpoint(Endpoint(host: "h", port: 1))
        writer.writeBytes(Array(repeating: 0, count: 513))
        var framed = ByteWriter()
        framed.write(1)
        framed.writeVarint(1)
        framed.write(WireFormat.Kind.alive.rawValue)
        framed.writeBytes(writer.bytes)
        #expect(code(framed.bytes) == .tooLarge)
    }

    @Test func pushPullRejectsHugeCountsAndOversizeInput() {
        // A member count the payload cannot hold is rejected before allocating.
        #expect(throws: WireError.self) { try PushPullState(decoding: [1, 0x50, 0, 0xFF, 0xFF, 0x03]) }
        #expect(throws: WireError.self) { try PushPullState(decoding: [1, 0x50, 2, 0]) }
        #expect(throws: WireError.self) { try PushPullState(decoding: [1, 0x51, 0, 0]) }
        #expect(throws: WireError.self) {
            try PushPullState(decoding: [UInt8](repeating: 0, count: WireFormat.maxPushPullSize + 1))
        }
    }

    @Test func varintSizesMatchTheWriter() {
        for value: UInt64 in [0, 1, 127, 128, 16_383, 16_384, 1 << 35, .max] {
            var writer = ByteWriter()
            writer.writeVarint(value)
            #expect(writer.bytes.count == ByteWriter.varintSize(value))
            var reader = ByteReader(writer.bytes)
            #expect((try? reader.readVarint("value")) == value)
        }
    }
}
