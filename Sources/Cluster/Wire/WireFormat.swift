/// The SWIM wire format, version 1.
///
/// ```
/// packet     := version:u8  count:varint(1…255)  message{count}
/// message    := kind:u8  length:varint  body[length]
/// ping       := sequence target:str source:str sourceHost:str sourcePort
/// ack, nack  := sequence
/// ping-req   := sequence target:str targetHost:str targetPort source:str sourceHost:str sourcePort wantsNack:u8
/// alive      := name:str incarnation host:str port metadata:bytes
/// suspect    := name:str incarnation from:str
/// dead       := name:str incarnation from:str
/// push-pull  := version:u8  marker:u8(0x50)  flags:u8  count:varint  entry{count}
/// entry      := name:str host:str port state:u8 incarnation metadata:bytes
/// ```
/// Integers are LEB128 varints; `str` and `bytes` are a varint length followed by the bytes.
/// Every length and count is bounded before anything is allocated, and a message body must be
/// consumed exactly, so a decoder never reads past a frame or accepts trailing garbage.
public enum WireFormat {
    public static let version: UInt8 = 1
    /// The most messages one compound packet may carry.
    public static let maxMessagesPerPacket = 255
    public static let maxNameLength = 128
    public static let maxHostLength = 255
    public static let maxMetadataSize = 512
    /// The cap on an encoded push-pull state (it travels over TCP, length-framed by the shell).
    public static let maxPushPullSize = 8 << 20
    /// The most members a push-pull state may list.
    public static let maxPushPullMembers = 100_000
    /// Bytes of packet framing before the first message: the version and a count of up to 255.
    static let packetHeaderSize = 3

    static let pushPullMarker: UInt8 = 0x50

    enum Kind: UInt8 {
        case ping = 1
        case ack = 2
        case pingRequest = 3
        case nack = 4
        case alive = 5
        case suspect = 6
        case dead = 7
    }
}
