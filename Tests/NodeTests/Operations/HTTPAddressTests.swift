import Testing

@testable import Node

@Suite struct HTTPAddressTests {
    @Test func parsesGatewayURLs() throws {
        #expect(try HTTPAddress(url: "http://127.0.0.1:8080") == HTTPAddress(host: "127.0.0.1", port: 8080))
        #expect(try HTTPAddress(url: "http://localhost:8080/") == HTTPAddress(host: "localhost", port: 8080))
        #expect(try HTTPAddress(url: "HTTP://gw.example") == HTTPAddress(host: "gw.example", port: 80))
        #expect(try HTTPAddress(url: "http://[::1]:9000") == HTTPAddress(host: "::1", port: 9000))
        #expect(try HTTPAddress(url: "http://[::1]") == HTTPAddress(host: "::1", port: 80))
        #expect(try HTTPAddress(url: "http://[::1]:9000").description == "http://[::1]:9000")
        #expect(HTTPAddress(host: "127.0.0.1", port: 8080).description == "http://127.0.0.1:8080")
    }

    @Test func rejectsWhatItCannotUse() {
        func message(_ text: String) -> String {
            do {
                _ = try HTTPAddress(url: text)
                return "(parsed)"
            } catch {
                return error.message
            }
        }
        #expect(message("https://127.0.0.1:8443").contains("https is not supported"))
        #expect(message("127.0.0.1:8080").contains("is not an http:// URL"))
        #expect(message("http://127.0.0.1:8080/cluster").contains("has a path, query or user part"))
        #expect(message("http://127.0.0.1:99999").contains("a port is a number from 0 to 65535"))
        #expect(message("http://:8080").contains("has no host"))
        #expect(message("http://127.0.0.1:0").contains("has port 0"))
    }

    @Test func memberAddressesReplaceWildcardHosts() throws {
        #expect(
            try HTTPAddress(member: "0.0.0.0:9000", fallbackHost: "10.0.0.5")
                == HTTPAddress(host: "10.0.0.5", port: 9000))
        #expect(try HTTPAddress(member: "[::]:9000", fallbackHost: "gw") == HTTPAddress(host: "gw", port: 9000))
        #expect(
            try HTTPAddress(member: "127.0.0.2:9001", fallbackHost: "gw") == HTTPAddress(host: "127.0.0.2", port: 9001))
        #expect(throws: OperationsError.self) { try HTTPAddress(member: "nonsense", fallbackHost: "gw") }
    }
}
