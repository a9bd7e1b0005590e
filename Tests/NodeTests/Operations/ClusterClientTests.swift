import Gateway
import NIOCore
import NIOPosix
import Testing

@testable import Node

@Suite struct ClusterClientTests {
    func reason(_ code: BackendError.Code, _ message: String) -> String {
        ClusterClient.reason(
            for: BackendError(code: code, classification: .notProcessed, message: message), timeout: .seconds(5))
    }

    @Test func namesTheUsualSocketFailures() {
        #expect(
            reason(
                .connectFailed,
                "cannot connect to the backend (1 failed attempts): connect(descriptor:addr:size:): "
                    + "Connection refused (errno: 111)") == "connection refused")
        #expect(reason(.connectFailed, "NIOConnectionError: No route to host") == "no route to host")
        #expect(reason(.timedOut, "no complete response before the deadline") == "no answer within 5s")
        #expect(reason(.connectFailed, "connectTimeout(TimeAmount(nanoseconds: 2000000000))") == "connecting timed out")
        #expect(reason(.streamReset, "the backend reset the stream") == "stream reset: the backend reset the stream")
    }

    @Test func aClosedPortIsConnectionRefused() async throws {
        // A port that was just listening and is closed now: the kernel refuses the connection.
        let listener = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        let port = try #require(listener.localAddress?.port.flatMap { UInt16(exactly: $0) })
        try await listener.close()
        let client = ClusterClient(timeout: .seconds(5))
        let error = await #expect(throws: ClusterRequestError.self) {
            _ = try await client.fetchCluster(from: HTTPAddress(host: "127.0.0.1", port: port))
        }
        await client.shutdown()
        #expect(error?.reason == "connection refused")
        #expect(error?.mayHaveBeenProcessed == false)
    }
}
