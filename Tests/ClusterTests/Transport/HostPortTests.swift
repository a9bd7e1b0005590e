import Testing

@testable import Cluster

@Suite struct HostPortTests {
    @Test func parsesHostsAndBracketedIPv6() throws {
        #expect(try HostPort(parsing: "127.0.0.1:7946") == HostPort(host: "127.0.0.1", port: 7946))
        #expect(try HostPort(parsing: " node-1.local:0 ") == HostPort(host: "node-1.local", port: 0))
        #expect(try HostPort(parsing: "[::1]:7946") == HostPort(host: "::1", port: 7946))
        #expect(HostPort(host: "::1", port: 7946).description == "[::1]:7946")
        #expect(HostPort(host: "10.0.0.1", port: 1).description == "10.0.0.1:1")
    }

    @Test(arguments: ["", "7946", ":7946", "host:", "host:65536", "host:-1", "::1:7946", "[::1]", "[::1:7946", "h:x"])
    func rejectsMalformedAddresses(text: String) {
        #expect {
            try HostPort(parsing: text)
        } throws: { ($0 as? TransportError)?.isInvalidAddress == true }
    }

    @Test func resolvesLiterals() throws {
        let address = try HostPort(host: "::1", port: 80).resolve()
        #expect(address.ipAddress == "::1")
        #expect(address.port == 80)
    }
}
