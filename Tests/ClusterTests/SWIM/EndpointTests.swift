import Testing

@testable import Cluster

@Suite struct EndpointTests {
    @Test func parsesHostPortAndBracketedIPv6() throws {
        #expect(try Endpoint(parsing: "127.0.0.1:7946") == Endpoint(host: "127.0.0.1", port: 7946))
        #expect(try Endpoint(parsing: " node-a.local:9000 ") == Endpoint(host: "node-a.local", port: 9000))
        #expect(try Endpoint(parsing: "[::1]:7946") == Endpoint(host: "::1", port: 7946))
        #expect(Endpoint(host: "::1", port: 7946).description == "[::1]:7946")
        #expect(Endpoint(host: "10.0.0.1", port: 1).description == "10.0.0.1:1")
        for bad in ["", "host", ":7946", "host:", "host:65536", "host:-1", "::1:7946", "[::1]7946", "[::1]:x"] {
            #expect(throws: SWIMError.self, "\(bad)") { try Endpoint(parsing: bad) }
        }
    }
}
