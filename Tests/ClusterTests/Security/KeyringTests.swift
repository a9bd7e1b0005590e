import Foundation
import Testing

@testable import Cluster

@Suite struct KeyringTests {
    static func base64Key(size: Int, fill: UInt8) -> String {
        Data(repeating: fill, count: size).base64EncodedString()
    }

    @Test(arguments: [16, 24, 32])
    func acceptsAESKeySizes(size: Int) throws {
        let keyring = try Keyring(base64Keys: [Self.base64Key(size: size, fill: 1)])
        #expect(keyring.count == 1)
    }

    @Test func rejectsBadKeysWithoutRevealingThem() {
        let notBase64 = "this is not base64!"
        let wrongSize = Self.base64Key(size: 20, fill: 7)
        for (text, position) in [(notBase64, 2), (wrongSize, 2)] {
            let good = Self.base64Key(size: 16, fill: 1)
            #expect {
                try Keyring(base64Keys: [good, text])
            } throws: { error in
                guard let error = error as? GossipSecurityError else { return false }
                return error.isInvalidKey && error.message.contains("#\(position)") && !error.message.contains(text)
            }
        }
        #expect(throws: GossipSecurityError.self) { try Keyring(base64Keys: [""]) }
    }

    @Test func neverPrintsKeyMaterial() throws {
        let text = Self.base64Key(size: 32, fill: 0x5a)
        let keyring = try Keyring(base64Keys: [text])
        var dumped = ""
        dump(keyring, to: &dumped)
        for rendering in [keyring.description, keyring.debugDescription, "\(keyring)", dumped] {
            #expect(!rendering.contains(text))
            #expect(!rendering.contains("90, 90"))
        }
        #expect(keyring.description == "Keyring(1 key)")
    }

    @Test func installUseRemove() throws {
        let old = Self.base64Key(size: 16, fill: 1)
        let new = Self.base64Key(size: 32, fill: 2)
        var keyring = try Keyring(base64Keys: [old, old])
        #expect(keyring.count == 1)
        #expect(throws: GossipSecurityError.self) { try keyring.use(base64Key: new) }
        try keyring.install(base64Key: new)
        try keyring.install(base64Key: new)
        #expect(keyring.count == 2)
        #expect {
            try keyring.remove(base64Key: old)
        } throws: { ($0 as? GossipSecurityError)?.isRemovingPrimaryKey == true }
        try keyring.use(base64Key: new)
        try keyring.remove(base64Key: old)
        try keyring.remove(base64Key: Self.base64Key(size: 24, fill: 3))
        #expect(keyring.count == 1)
    }
}
