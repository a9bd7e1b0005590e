import Testing

@testable import Cluster

/// Replays the `wire` and `sealed` fuzz corpora (seeds and regression inputs) through the
/// properties their libFuzzer targets check.
@Suite struct WireCorpusReplayTests {
    @Test func everyWireInputKeepsTheCodecProperty() throws {
        let corpus = try FuzzCorpus("wire")
        for input in corpus.inputs {
            #expect(WireCodecProperty.violation(input.bytes) == nil, "wire/\(input.name)")
        }
        // The property's round-trip half only runs on inputs that decode.
        #expect(corpus.inputs.contains { (try? SWIMPacket(decoding: $0.bytes)) != nil })
        #expect(corpus.inputs.contains { (try? PushPullState(decoding: $0.bytes)) != nil })
    }

    @Test func everySealedInputKeepsTheSealerProperty() throws {
        let corpus = try FuzzCorpus("sealed")
        for input in corpus.inputs {
            #expect(PacketSealerProperty.violation(input.bytes) == nil, "sealed/\(input.name)")
        }
        let encrypted = try PacketSealer(
            keyring: Keyring(base64Keys: [PacketSealerProperty.primaryKey, PacketSealerProperty.secondaryKey]),
            label: PacketSealerProperty.label)
        #expect(corpus.inputs.contains { (try? encrypted.open($0.bytes)) != nil })
        #expect(corpus.inputs.contains { (try? PacketSealer(label: PacketSealerProperty.label).open($0.bytes)) != nil })
    }

}
