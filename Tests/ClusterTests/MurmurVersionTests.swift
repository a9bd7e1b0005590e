import Testing

@testable import Cluster

@Suite struct MurmurVersionTests {
    @Test func versionIsSemantic() {
        let parts = MurmurVersion.current.split(separator: ".")
        #expect(parts.count == 3)
        #expect(parts.allSatisfy { Int($0) != nil })
    }
}
