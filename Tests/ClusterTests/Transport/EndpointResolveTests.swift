import Testing

@testable import Cluster

@Suite struct EndpointResolveTests {
    @Test func resolvesLiterals() throws {
        let address = try Endpoint(host: "::1", port: 80).resolve()
        #expect(address.ipAddress == "::1")
        #expect(address.port == 80)
        #expect(Endpoint(address) == Endpoint(host: "::1", port: 80))
    }

    @Test func unresolvableNamesAreErrors() {
        #expect {
            try Endpoint(host: "no-such-host.invalid", port: 80).resolve()
        } throws: { ($0 as? TransportError)?.isInvalidAddress == true }
    }
}
