import Gateway
import NIOCore
import Testing

@testable import Node

#if canImport(Glibc)
    import Glibc
#endif

/// The pure parts of a gateway's restart in place: the listening sockets named in
/// `MURMUR_LISTEN_FDS`, which of them a new image adopts, and which stop request wins. The
/// restart itself (SIGHUP, execve, clients served throughout) is Tests/EndToEnd/test_gateway_restart.py.
@Suite struct GatewayRestartTests {
    @Test func listenerDescriptorsRoundTripThroughTheVariable() throws {
        #expect(ListenerHandOff.value(for: [.tls: 9, .plain: 7]) == "plain:7,tls:9")
        #expect(ListenerHandOff.value(for: [.plain: 12]) == "plain:12")
        #expect(ListenerHandOff.value(for: [:]) == nil)
        #expect(try ListenerHandOff.descriptors(in: "plain:7,tls:9") == [.plain: 7, .tls: 9])
        #expect(try ListenerHandOff.descriptors(in: "tls:30") == [.tls: 30])
        #expect(try ListenerHandOff.descriptors(in: "") == [:])
    }

    @Test(arguments: ["plain", "plain:", "plain:x", "plain:2", "plain:-4", "quic:7", "plain:7,plain:8", "7"])
    func malformedEntriesAreRejectedWithTheEntryNamed(_ value: String) {
        #expect(throws: InheritedListenerError.self) { try ListenerHandOff.descriptors(in: value) }
    }

    @Test func theEnvironmentCarriesTheDescriptorsOrDropsTheVariable() {
        let before = ["PATH=/bin", "MURMUR_LISTEN_FDS=plain:3", "HOME=/root"]
        #expect(
            ListenerHandOff.environment(before, handingOver: [.plain: 8, .tls: 10])
                == ["PATH=/bin", "HOME=/root", "MURMUR_LISTEN_FDS=plain:8,tls:10"])
        #expect(ListenerHandOff.environment(before, handingOver: [:]) == ["PATH=/bin", "HOME=/root"])
    }

    @Test func aSocketMustListenWhereTheConfigurationSays() throws {
        let socket = ListeningSocket(descriptor: 7, address: try SocketAddress(ipAddress: "127.0.0.1", port: 8080))
        #expect(socket.mismatch(host: "127.0.0.1", port: 8080) == nil)
        #expect(socket.mismatch(host: "localhost", port: 8080) == nil)
        #expect(socket.mismatch(host: "127.0.0.1", port: 0) == nil)
        #expect(socket.mismatch(host: "127.0.0.1", port: 8081)?.contains("not on port 8081") == true)
        #expect(socket.mismatch(host: "0.0.0.0", port: 8080)?.contains("not on 0.0.0.0") == true)
    }

    @Test func adoptionTakesMatchingListenersAndExplainsTheRest() throws {
        let plain = ListeningSocket(descriptor: 7, address: try SocketAddress(ipAddress: "127.0.0.1", port: 8080))
        let tls = ListeningSocket(descriptor: 9, address: try SocketAddress(ipAddress: "127.0.0.1", port: 8443))
        let sockets = [plain.descriptor: plain, tls.descriptor: tls]
        let inspect: (CInt) throws(InheritedListenerError) -> ListeningSocket = {
            (descriptor: CInt) throws(InheritedListenerError) -> ListeningSocket in
            guard let socket = sockets[descriptor] else {
                throw InheritedListenerError("descriptor \(descriptor) is no socket, not a listening TCP socket")
            }
            return socket
        }
        var configuration = HTTPServer.Configuration(host: "127.0.0.1", port: 8080)
        configuration.tls = .init(host: "127.0.0.1", port: 8443, certificateChainPath: "c", privateKeyPath: "k")

        let both = ListenerAdoption(handedOver: "plain:7,tls:9", configuration: configuration, inspect: inspect)
        #expect(both.adopted == [.plain: 7, .tls: 9] && both.unused.isEmpty && both.problems.isEmpty)

        let unset = ListenerAdoption(handedOver: nil, configuration: configuration, inspect: inspect)
        #expect(unset == ListenerAdoption(handedOver: nil, configuration: configuration, inspect: inspect))
        #expect(unset.adopted.isEmpty && unset.problems.isEmpty)

        // Not a listening socket: left alone (not known to be ours), the listener binds afresh.
        let stranger = ListenerAdoption(handedOver: "plain:5,tls:9", configuration: configuration, inspect: inspect)
        #expect(stranger.adopted == [.tls: 9] && stranger.unused.isEmpty)
        #expect(stranger.problems.count == 1 && stranger.problems[0].contains("descriptor 5"))

        // The configuration moved the port: the old socket is closed and the new port bound.
        var moved = configuration
        moved.port = 9090
        let movedAdoption = ListenerAdoption(handedOver: "plain:7,tls:9", configuration: moved, inspect: inspect)
        #expect(movedAdoption.adopted == [.tls: 9] && movedAdoption.unused == [7])

        // TLS no longer configured: its socket is closed.
        var plainOnly = configuration
        plainOnly.tls = nil
        let dropped = ListenerAdoption(handedOver: "plain:7,tls:9", configuration: plainOnly, inspect: inspect)
        #expect(dropped.adopted == [.plain: 7] && dropped.unused == [9] && dropped.problems.count == 1)

        let garbage = ListenerAdoption(handedOver: "plain:seven", configuration: configuration, inspect: inspect)
        #expect(garbage.adopted.isEmpty && garbage.problems.count == 1)
    }

    @Test func theKernelTellsAListeningSocketFromOtherDescriptors() throws {
        let listening = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        let unlistened = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var pipeEnds: [CInt] = [-1, -1]
        #expect(pipe(&pipeEnds) == 0)
        defer { for descriptor in [listening, unlistened] + pipeEnds { close(descriptor) } }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(listening, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        #expect(bound == 0 && listen(listening, 8) == 0)

        let inspected = try ListeningSocket(inspecting: listening)
        #expect(inspected.address.ipAddress == "127.0.0.1")
        let port = try #require(inspected.address.port)
        #expect(port > 0)
        #expect(ListeningSocket.descriptor(listeningOn: inspected.address) == listening)

        #expect(throws: InheritedListenerError.self) { try ListeningSocket(inspecting: unlistened) }
        #expect(throws: InheritedListenerError.self) { try ListeningSocket(inspecting: pipeEnds[0]) }
        #expect(throws: InheritedListenerError.self) { try ListeningSocket(inspecting: 100_000) }
    }

    @Test func theFirstRequestDrainsAndAShutdownOverridesARestart() async {
        let restartOnly = GatewayStopRequests()
        #expect(!restartOnly.isRequested)
        restartOnly.request(.restart)
        #expect(restartOnly.isRequested && !restartOnly.isShutdownRequested)
        let first = await restartOnly.next()
        #expect(first == .restart && restartOnly.outcome(of: first) == .restart)

        let interrupted = GatewayStopRequests()
        interrupted.request(.restart)
        interrupted.request(.shutdown)
        let reason = await interrupted.next()
        #expect(reason == .restart && interrupted.outcome(of: reason) == .shutdown)

        let stopped = GatewayStopRequests()
        stopped.request(.shutdown)
        stopped.request(.restart)
        let stopFirst = await stopped.next()
        #expect(stopFirst == .shutdown && stopped.outcome(of: stopFirst) == .shutdown)
    }
}
