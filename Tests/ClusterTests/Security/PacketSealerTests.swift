import Foundation
import Testing

@testable import Cluster

@Suite struct PacketSealerTests {
    static let keyA = KeyringTests.base64Key(size: 32, fill: 0xa1)
    static let keyB = KeyringTests.base64Key(size: 16, fill: 0xb2)

    static func sealer(keys: [String], label: String = "murmur-test") throws -> PacketSealer {
        try PacketSealer(keyring: Keyring(base64Keys: keys), label: label)
    }

    /// Why `body` failed to open a packet; nil if it succeeded or failed for another reason.
    static func reason(_ body: () throws -> [UInt8]) -> PacketOpenError.Reason? {
        do {
            _ = try body()
            return nil
        } catch let error as PacketOpenError {
            return error.reason
        } catch {
            return nil
        }
    }

    @Test(arguments: [false, true])
    func roundTripsAndAddsExactlyTheOverhead(encrypted: Bool) throws {
        let sealer = try Self.sealer(keys: encrypted ? [Self.keyA] : [])
        #expect(sealer.isEncrypted == encrypted)
        for size in [0, 1, 100, 1_371] {
            let plaintext = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31) }
            let packet = try sealer.seal(plaintext)
            #expect(packet.count == plaintext.count + sealer.overhead)
            #expect(try sealer.open(packet) == plaintext)
            if encrypted && size >= 16 {
                #expect(packet.firstRange(of: plaintext[0..<16]) == nil)
            }
        }
        #expect(sealer.overhead == 2 + "murmur-test".utf8.count + (encrypted ? 28 : 0))
    }

    @Test func eachFailureKindIsReported() throws {
        let encrypted = try Self.sealer(keys: [Self.keyA])
        let plain = try Self.sealer(keys: [])
        let packet = try encrypted.seal(Array("hello".utf8))
        let plainPacket = try plain.seal(Array("hello".utf8))

        #expect(Self.reason { try encrypted.open([]) } == .truncated)
        #expect(Self.reason { try encrypted.open([2]) } == .truncated)
        #expect(Self.reason { try encrypted.open(Array(packet.prefix(5))) } == .truncated)
        #expect(Self.reason { try encrypted.open(Array(packet.prefix(2 + 11 + 12 + 15))) } == .truncated)
        #expect(Self.reason { try encrypted.open([9] + packet.dropFirst()) } == .unknownVersion)
        #expect(Self.reason { try Self.sealer(keys: [Self.keyA], label: "other").open(packet) } == .badLabel)
        #expect(Self.reason { try Self.sealer(keys: [], label: "").open(plainPacket) } == .badLabel)
        #expect(Self.reason { try Self.sealer(keys: [Self.keyB]).open(packet) } == .wrongKey)
        #expect(Self.reason { try encrypted.open(plainPacket) } == .unencrypted)
        #expect(Self.reason { try plain.open(packet) } == .encryptedWithoutKeys)
    }

    @Test func labelLongerThan255BytesIsRefused() {
        #expect {
            try PacketSealer(label: String(repeating: "x", count: 256))
        } throws: { ($0 as? GossipSecurityError)?.isInvalidLabel == true }
    }

    @Test func alteringAnySingleByteFails() throws {
        let sealer = try Self.sealer(keys: [Self.keyA])
        let packet = try sealer.seal(Array("the membership update".utf8))
        for index in packet.indices {
            for flip: UInt8 in [0x01, 0x80] {
                var altered = packet
                altered[index] ^= flip
                #expect(Self.reason { try sealer.open(altered) } != nil, "byte \(index) flipped by \(flip)")
            }
        }
    }

    @Test func noncesAreUnique() throws {
        let sealer = try Self.sealer(keys: [Self.keyA])
        let nonceStart = 2 + "murmur-test".utf8.count
        var seen = Set<[UInt8]>()
        for _ in 0..<10_000 {
            let packet = try sealer.seal([1, 2, 3])
            seen.insert(Array(packet[nonceStart..<(nonceStart + 12)]))
        }
        #expect(seen.count == 10_000)
    }

    /// Two members rotate from key A to key B step by step (install everywhere, use everywhere,
    /// remove everywhere) and must understand each other after every single step.
    @Test func rotationKeepsTwoMembersTalking() throws {
        var first = try Keyring(base64Keys: [Self.keyA])
        var second = try Keyring(base64Keys: [Self.keyA])
        func check(_ step: String) throws {
            let one = try PacketSealer(keyring: first, label: "murmur-test")
            let two = try PacketSealer(keyring: second, label: "murmur-test")
            let message = Array(step.utf8)
            #expect(try two.open(one.seal(message)) == message, "first → second after \(step)")
            #expect(try one.open(two.seal(message)) == message, "second → first after \(step)")
        }
        try check("start")
        try first.install(base64Key: Self.keyB)
        try check("first installs B")
        try second.install(base64Key: Self.keyB)
        try check("second installs B")
        try first.use(base64Key: Self.keyB)
        try check("first uses B")
        try second.use(base64Key: Self.keyB)
        try check("second uses B")
        try first.remove(base64Key: Self.keyA)
        try check("first removes A")
        try second.remove(base64Key: Self.keyA)
        try check("second removes A")
        // Only B is left: a sealer holding only A no longer gets through.
        let stale = try Self.sealer(keys: [Self.keyA])
        let fresh = try PacketSealer(keyring: first, label: "murmur-test")
        #expect(Self.reason { try fresh.open(stale.seal([1])) } == .wrongKey)
    }
}
