@testable import Cluster

/// What the gossip wire codec must do with any bytes at all: decoding never traps, and whatever
/// decodes re-encodes to bytes that decode to the same value and re-encode to the very same bytes
/// (the encoding is canonical even when the input spelled a varint with extra bytes).
///
/// One place for the property: the corpus replay test (`FuzzCorpusReplayTests`) and the libFuzzer
/// targets in `Tests/Fuzz` (which compile this file through a symlink) both call it.
enum WireCodecProperty {
    /// Checks `bytes` as a gossip packet and as a push-pull state; the first broken rule, or nil.
    static func violation(_ bytes: [UInt8]) -> String? {
        if let packet = try? SWIMPacket(decoding: bytes) {
            let encoded = packet.encoded()
            guard let again = try? SWIMPacket(decoding: encoded) else {
                return "a decoded packet re-encodes to \(encoded), which does not decode"
            }
            guard again == packet else { return "packet \(packet) decodes as \(again) after re-encoding" }
            guard again.encoded() == encoded else { return "packet \(packet) has two different encodings" }
        }
        if let state = try? PushPullState(decoding: bytes) {
            let encoded = state.encoded()
            guard let again = try? PushPullState(decoding: encoded) else {
                return "a decoded push-pull state re-encodes to \(encoded), which does not decode"
            }
            guard again == state else { return "push-pull state \(state) decodes as \(again) after re-encoding" }
            guard again.encoded() == encoded else { return "push-pull state \(state) has two different encodings" }
        }
        return nil
    }
}
