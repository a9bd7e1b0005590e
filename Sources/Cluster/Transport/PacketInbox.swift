import NIOCore
import Synchronization

/// Where received datagrams go: checked for size, opened with the current sealer on the event
/// loop that read them, and yielded to the transport's packet stream; failures are counted.
///
/// Shared between the transport (which swaps the sealer on key rotation and seals with it) and
/// the datagram handler; the sealer sits behind a `Mutex` held only to copy the value.
final class PacketInbox: Sendable {
    private let sealerCell: Mutex<PacketSealer>
    let drops = DropCounters()
    private let continuation: AsyncStream<ReceivedPacket>.Continuation
    private let maxPacketSize: Int

    init(sealer: PacketSealer, continuation: AsyncStream<ReceivedPacket>.Continuation, maxPacketSize: Int) {
        self.sealerCell = Mutex(sealer)
        self.continuation = continuation
        self.maxPacketSize = maxPacketSize
    }

    var sealer: PacketSealer { sealerCell.withLock { $0 } }

    /// Swaps the keyring under one lock, so concurrent rotations cannot interleave.
    func replaceKeyring(_ keyring: Keyring) {
        sealerCell.withLock { $0 = $0.replacingKeyring(keyring) }
    }

    func receive(_ buffer: ByteBuffer, from sender: SocketAddress) {
        guard buffer.readableBytes <= maxPacketSize else {
            drops.recordOversized()
            return
        }
        let plaintext: [UInt8]
        do throws(PacketOpenError) {
            plaintext = try sealer.open(Array(buffer.readableBytesView))
        } catch {
            drops.record(error.reason)
            return
        }
        if case .dropped = continuation.yield(ReceivedPacket(payload: plaintext, sender: sender)) {
            drops.recordBacklogFull()
        }
    }

    func finish() {
        continuation.finish()
    }
}
