import Testing

@testable import Cluster

@Suite struct MemberMetadataTests {
    static let node = MemberMetadata(
        role: .node,
        httpAddress: "127.0.0.1:9001",
        models: ["all-MiniLM-L6-v2", "synthetic"],
        servingState: .ready,
        load: .init(inFlight: 17, queueDepth: 300)
    )

    static func failure(_ bytes: [UInt8]) -> MetadataError? {
        do throws(MetadataError) {
            _ = try MemberMetadata(decoding: bytes)
            return nil
        } catch {
            return error
        }
    }

    @Test func roundTrips() throws {
        let gateway = MemberMetadata(role: .gateway, httpAddress: "[::1]:8080", servingState: .draining)
        for value in [Self.node, gateway] {
            let bytes = try value.encoded()
            let decoded = try MemberMetadata(decoding: bytes)
            #expect(decoded == value)
            #expect(decoded.formatVersion == MemberMetadata.currentFormatVersion)
            #expect(decoded.softwareVersion == MurmurVersion.current)
        }
        #expect(try Self.node.encoded().count < 80)
    }

    @Test func encodingOverTheLimitIsAnErrorNotATruncation() throws {
        var value = Self.node
        value.models = []
        var last = try value.encoded().count
        while true {
            value.models.append("model-\(value.models.count)-with-a-long-descriptive-name")
            do throws(MetadataError) {
                last = try value.encoded().count
            } catch {
                #expect(error.isTooLarge)
                #expect(error.message.contains("512"))
                break
            }
        }
        #expect(last <= MemberMetadata.maxEncodedSize)
        value.models.removeLast()
        #expect(try MemberMetadata(decoding: value.encoded()) == value)
        var negative = Self.node
        negative.load.inFlight = -1
        #expect { try negative.encoded() } throws: { ($0 as? MetadataError)?.isInvalidValue == true }
    }

    @Test func unknownFieldsFromANewerVersionAreSkipped() throws {
        var bytes = try Self.node.encoded()
        bytes[0] = MemberMetadata.currentFormatVersion + 1
        // A record with an unknown tag in the middle and one at the end.
        bytes.insert(contentsOf: [200, 3, 9, 9, 9], at: 1)
        bytes += [201, 0x81, 0x01] + [UInt8](repeating: 0x42, count: 129)
        let decoded = try MemberMetadata(decoding: bytes)
        #expect(decoded.formatVersion == MemberMetadata.currentFormatVersion + 1)
        var expected = Self.node
        expected.formatVersion = MemberMetadata.currentFormatVersion + 1
        #expect(decoded == expected)
    }

    @Test func startTimeRoundTripsAndDefaultsToTheProcessStart() throws {
        #expect(Self.node.startedAtMilliseconds == MemberMetadata.processStartedAtMilliseconds)
        #expect(MemberMetadata.processStartedAtMilliseconds > 1_600_000_000_000)
        var value = Self.node
        value.startedAtMilliseconds = 1_790_000_123_456
        let decoded = try MemberMetadata(decoding: value.encoded())
        #expect(decoded.startedAtMilliseconds == 1_790_000_123_456)
        value.startedAtMilliseconds = nil
        #expect(try MemberMetadata(decoding: value.encoded()).startedAtMilliseconds == nil)
        value.startedAtMilliseconds = -1
        #expect { try value.encoded() } throws: { ($0 as? MetadataError)?.isInvalidValue == true }
    }

    /// Bytes exactly as a version-1 member wrote them (no start time) still decode.
    @Test func versionOneWithoutAStartTimeDecodes() throws {
        let address = Array("127.0.0.1:9001".utf8)
        let version = Array("0.1.0".utf8)
        let model = Array("synthetic".utf8)
        let bytes: [UInt8] =
            [1, 1, 1, 1, 2, 1, 2, 3, UInt8(address.count)] + address + [4, UInt8(version.count)] + version
            + [5, UInt8(model.count)] + model + [6, 1, 3, 7, 1, 0]
        let decoded = try MemberMetadata(decoding: bytes)
        #expect(decoded.formatVersion == 1)
        #expect(decoded.startedAtMilliseconds == nil)
        #expect(decoded.role == .node && decoded.servingState == .ready && decoded.models == ["synthetic"])
        #expect(decoded.httpAddress == "127.0.0.1:9001" && decoded.load.inFlight == 3)
    }

    /// A version-1 reader skips unknown tags: the start time record is such a tag, so the other
    /// fields of a version-2 encoding are unchanged for it.
    @Test func startTimeIsAnOrdinarySkippableRecord() throws {
        var without = Self.node
        without.startedAtMilliseconds = nil
        let bytes = try Self.node.encoded()
        let shorter = try without.encoded()
        #expect(bytes[0] == MemberMetadata.currentFormatVersion)
        #expect(Array(bytes.prefix(shorter.count)) == shorter)
        // What is left is one record: tag 8, its length, the LEB128 value.
        let tail = Array(bytes.dropFirst(shorter.count))
        #expect(tail.count >= 3 && tail[0] == 8 && Int(tail[1]) == tail.count - 2)
        #expect(try MemberMetadata(decoding: shorter) == without)
    }

    static let caching = MemberMetadata(
        role: .node,
        httpAddress: "127.0.0.1:9002",
        models: ["synthetic"],
        servingState: .ready,
        load: .init(inFlight: 2, queueDepth: 5, cacheLookups: 1_200, cacheHits: 900)
    )

    @Test func cacheCountersRoundTrip() throws {
        let decoded = try MemberMetadata(decoding: Self.caching.encoded())
        #expect(decoded == Self.caching)
        #expect(decoded.load.cacheLookups == 1_200 && decoded.load.cacheHits == 900)
        var largest = Self.caching
        largest.load.cacheLookups = Int(Int32.max)
        largest.load.cacheHits = Int(Int32.max)
        #expect(try MemberMetadata(decoding: largest.encoded()) == largest)
        // The record adds at most 12 bytes: the limit is far away.
        #expect(try largest.encoded().count <= (try Self.node.encoded().count) + 12)
    }

    @Test func cacheCountersThatCannotBeTrueAreNotEncoded() {
        let bad: [(Int, Int)] = [(10, 11), (-1, 0), (5, -1), (Int(Int32.max) + 1, 0)]
        for (lookups, hits) in bad {
            var value = Self.caching
            value.load.cacheLookups = lookups
            value.load.cacheHits = hits
            let error = #expect(throws: MetadataError.self, "lookups \(lookups), hits \(hits)") {
                try value.encoded()
            }
            #expect(error?.isInvalidValue == true)
        }
    }

    /// Without lookups there is no record, and with them it is one record of tag 9 that a version-2
    /// reader skips as unknown: the rest of the bytes are what version 2 wrote.
    @Test func cacheCountersAreAnOptionalSkippableRecord() throws {
        var idle = Self.caching
        idle.load.cacheLookups = 0
        idle.load.cacheHits = 0
        let shorter = try idle.encoded()
        let bytes = try Self.caching.encoded()
        #expect(Array(bytes.prefix(shorter.count)) == shorter)
        let tail = Array(bytes.dropFirst(shorter.count))
        // Tag 9, length 4, 1200 and 900 as LEB128.
        #expect(tail == [9, 4, 0xb0, 0x09, 0x84, 0x07])
        #expect(try MemberMetadata(decoding: shorter) == idle)
    }

    /// Bytes exactly as a version-2 member wrote them (a start time, no cache counters) decode with
    /// zero counters.
    @Test func versionTwoWithoutCacheCountersDecodes() throws {
        let address = Array("127.0.0.1:9001".utf8)
        let version = Array("0.2.0".utf8)
        let bytes: [UInt8] =
            [2, 1, 1, 1, 2, 1, 2, 3, UInt8(address.count)] + address + [4, UInt8(version.count)] + version
            + [6, 1, 3, 7, 1, 4, 8, 6, 0x80, 0xd8, 0xc1, 0xa2, 0x8c, 0x34]
        let decoded = try MemberMetadata(decoding: bytes)
        #expect(decoded.formatVersion == 2)
        #expect(decoded.load == MemberMetadata.Load(inFlight: 3, queueDepth: 4))
        #expect(decoded.startedAtMilliseconds == 1_790_000_000_000)
    }

    @Test func malformedInputsAreTypedErrors() throws {
        let good = try Self.node.encoded()
        let cases: [(String, [UInt8])] = [
            ("empty", []),
            ("version 0", [0] + good.dropFirst()),
            ("only a version", [1]),
            ("record cut short", Array(good.dropLast())),
            ("length runs past the end", [1, 1, 200, 1]),
            ("unterminated length", [1, 1, 0xff, 0xff]),
            ("duplicate role", good + [1, 1, 1]),
            ("unknown role", [1, 1, 1, 9]),
            ("bad UTF-8", [1, 1, 1, 1, 2, 1, 1, 3, 2, 0xc3, 0x28, 4, 1, 0x31]),
            ("count with trailing bytes", good + [7, 2, 1, 1]),
            ("duplicate start time", good + [8, 1, 1]),
            ("start time with trailing bytes", [1, 8, 2, 1, 1] + good.dropFirst()),
            ("duplicate cache counters", good + [9, 2, 2, 1, 9, 2, 2, 1]),
            ("more cache hits than lookups", good + [9, 2, 2, 3]),
            ("one cache counter", good + [9, 1, 2]),
            ("cache counters with trailing bytes", good + [9, 3, 2, 1, 0]),
            ("cache lookups over 2^31-1", good + [9, 6, 0x80, 0x80, 0x80, 0x80, 0x08, 0]),
            ("over the limit", good + [200, 0x80, 0x04] + [UInt8](repeating: 0, count: 512)),
        ]
        for (name, bytes) in cases {
            #expect(Self.failure(bytes)?.isMalformed == true, "\(name)")
        }
    }

    /// 60,000 seeded inputs: random bytes and single or multiple mutations of valid encodings.
    /// Nothing may trap; whatever decodes must re-encode to bytes that decode to the same value.
    @Test func garbageNeverCrashes() throws {
        var random = SplitMix64(seed: 0x6d75_726d)
        let seeds = [
            try Self.node.encoded(),
            try MemberMetadata(role: .gateway, httpAddress: "gw:1", servingState: .starting).encoded(),
            try Self.caching.encoded(),
        ]
        var decodedCount = 0
        for round in 0..<60_000 {
            var bytes: [UInt8]
            if round % 3 == 0 {
                let length = Int(random.next() % 600)
                bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: random.next()) }
                if !bytes.isEmpty && round % 2 == 0 { bytes[0] = 1 }
            } else {
                bytes = seeds[round % seeds.count]
                for _ in 0..<(1 + Int(random.next() % 4)) {
                    let position = bytes.isEmpty ? 0 : Int(random.next() % UInt64(bytes.count))
                    switch random.next() % 4 {
                    case 0: if !bytes.isEmpty { bytes[position] = UInt8(truncatingIfNeeded: random.next()) }
                    case 1: bytes.insert(UInt8(truncatingIfNeeded: random.next()), at: position)
                    case 2: if !bytes.isEmpty { bytes.remove(at: position) }
                    default: bytes = Array(bytes.prefix(position))
                    }
                }
            }
            do throws(MetadataError) {
                let value = try MemberMetadata(decoding: bytes)
                decodedCount += 1
                var reencoded = try MemberMetadata(decoding: value.encoded())
                reencoded.formatVersion = value.formatVersion
                #expect(reencoded == value)
            } catch {
                #expect(!error.message.isEmpty)
            }
        }
        print("metadata fuzz: 60000 inputs, \(decodedCount) decoded, the rest rejected with typed errors")
    }
}

@Suite struct MemberDecodedMetadataTests {
    @Test func decodesOrIsNil() throws {
        let metadata = MemberMetadata(
            role: .node,
            httpAddress: "127.0.0.1:9000",
            models: ["synthetic"],
            servingState: .ready,
            load: .init(inFlight: 3, queueDepth: 1)
        )
        var member = Member(
            name: "n",
            endpoint: Endpoint(host: "127.0.0.1", port: 7946),
            state: .alive,
            incarnation: 1,
            metadata: try metadata.encoded(),
            stateChangedAt: .zero
        )
        #expect(member.decodedMetadata == metadata)
        member.metadata = [0xFF, 0x00, 0x13]
        #expect(member.decodedMetadata == nil)
        member.metadata = []
        #expect(member.decodedMetadata == nil)
    }
}
