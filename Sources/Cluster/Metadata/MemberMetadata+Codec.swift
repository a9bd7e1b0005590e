/// The binary format: a format-version byte, then records `tag (1) | length (LEB128) | value`.
///
/// Records may come in any order; a reader skips tags it does not know, which is how a newer
/// version adds fields without breaking older members. Strings are UTF-8, counts are LEB128, and
/// the `model` record repeats once per model, in order.
extension MemberMetadata {
    private enum Tag: UInt8 {
        case role = 1
        case servingState = 2
        case httpAddress = 3
        case softwareVersion = 4
        case model = 5
        case inFlight = 6
        case queueDepth = 7
        /// Version 2: the process start time, milliseconds since the Unix epoch (LEB128).
        case startedAt = 8
        /// Version 3: the load's cache counters, two LEB128 numbers (lookups, then hits); written
        /// only when there were lookups.
        case cacheCounters = 9
    }

    /// The bytes to gossip, at most `maxEncodedSize`.
    public func encoded() throws(MetadataError) -> [UInt8] {
        guard (0...Int(Int32.max)).contains(load.inFlight), (0...Int(Int32.max)).contains(load.queueDepth) else {
            throw .invalidValue(
                "load counts must be between 0 and 2^31-1 (in-flight \(load.inFlight), queue depth \(load.queueDepth))"
            )
        }
        guard (0...Int(Int32.max)).contains(load.cacheLookups), (0...load.cacheLookups).contains(load.cacheHits) else {
            throw .invalidValue(
                "cache counters must satisfy 0 <= hits <= lookups <= 2^31-1 "
                    + "(lookups \(load.cacheLookups), hits \(load.cacheHits))"
            )
        }
        if let startedAtMilliseconds, startedAtMilliseconds < 0 {
            throw .invalidValue("the start time must not be before 1970 (\(startedAtMilliseconds) ms)")
        }
        var bytes: [UInt8] = [Self.currentFormatVersion]
        bytes.reserveCapacity(128)
        Self.append(.role, [role.wireCode], to: &bytes)
        Self.append(.servingState, [servingState.wireCode], to: &bytes)
        Self.append(.httpAddress, Array(httpAddress.utf8), to: &bytes)
        Self.append(.softwareVersion, Array(softwareVersion.utf8), to: &bytes)
        for model in models { Self.append(.model, Array(model.utf8), to: &bytes) }
        Self.append(.inFlight, Self.leb128(UInt64(load.inFlight)), to: &bytes)
        Self.append(.queueDepth, Self.leb128(UInt64(load.queueDepth)), to: &bytes)
        if let startedAtMilliseconds {
            Self.append(.startedAt, Self.leb128(UInt64(startedAtMilliseconds)), to: &bytes)
        }
        if load.cacheLookups > 0 {
            let counters = Self.leb128(UInt64(load.cacheLookups)) + Self.leb128(UInt64(load.cacheHits))
            Self.append(.cacheCounters, counters, to: &bytes)
        }
        guard bytes.count <= Self.maxEncodedSize else {
            throw .tooLarge(
                "member metadata needs \(bytes.count) bytes but the limit is \(Self.maxEncodedSize); "
                    + "serve fewer models or use shorter names and addresses"
            )
        }
        return bytes
    }

    /// Decodes metadata gossiped by another member; any malformed input is a `MetadataError`.
    public init(decoding bytes: some Collection<UInt8>) throws(MetadataError) {
        let bytes = Array(bytes)
        guard bytes.count <= Self.maxEncodedSize else {
            throw .malformed("member metadata of \(bytes.count) bytes exceeds the \(Self.maxEncodedSize)-byte limit")
        }
        guard let version = bytes.first else { throw .malformed("member metadata is empty") }
        guard version >= 1 else { throw .unsupportedVersion("member metadata has format version 0") }
        var role: Role?
        var state: ServingState?
        var httpAddress: String?
        var softwareVersion: String?
        var models: [String] = []
        var inFlight: Int?
        var queueDepth: Int?
        var startedAt: Int64?
        var cacheCounters: (lookups: Int, hits: Int)?
        var offset = 1
        while offset < bytes.count {
            let tagByte = bytes[offset]
            offset += 1
            guard let length = Self.readLEB128(bytes, &offset), length <= UInt64(bytes.count - offset) else {
                throw .malformed("member metadata record with tag \(tagByte) has a bad or overlong length")
            }
            let value = bytes[offset..<(offset + Int(length))]
            offset += Int(length)
            guard let tag = Tag(rawValue: tagByte) else { continue }
            switch tag {
            case .role:
                guard role == nil else { throw .malformed("member metadata repeats the role") }
                guard value.count == 1, let decoded = Role(wireCode: value[value.startIndex]) else {
                    throw .malformed("member metadata has an unknown role")
                }
                role = decoded
            case .servingState:
                guard state == nil else { throw .malformed("member metadata repeats the serving state") }
                guard value.count == 1, let decoded = ServingState(wireCode: value[value.startIndex]) else {
                    throw .malformed("member metadata has an unknown serving state")
                }
                state = decoded
            case .httpAddress:
                guard httpAddress == nil else { throw .malformed("member metadata repeats the HTTP address") }
                httpAddress = try Self.string(value, field: "HTTP address")
            case .softwareVersion:
                guard softwareVersion == nil else { throw .malformed("member metadata repeats the software version") }
                softwareVersion = try Self.string(value, field: "software version")
            case .model:
                models.append(try Self.string(value, field: "model name"))
            case .inFlight:
                guard inFlight == nil else { throw .malformed("member metadata repeats the in-flight count") }
                inFlight = try Self.count(value, field: "in-flight count")
            case .queueDepth:
                guard queueDepth == nil else { throw .malformed("member metadata repeats the queue depth") }
                queueDepth = try Self.count(value, field: "queue depth")
            case .startedAt:
                guard startedAt == nil else { throw .malformed("member metadata repeats the start time") }
                var position = 0
                guard let number = Self.readLEB128(value, &position), position == value.count else {
                    throw .malformed("member metadata's start time is not a valid number")
                }
                startedAt = Int64(number)
            case .cacheCounters:
                guard cacheCounters == nil else { throw .malformed("member metadata repeats the cache counters") }
                cacheCounters = try Self.cacheCounters(value)
            }
        }
        guard let role, let state, let httpAddress, let softwareVersion else {
            throw .malformed("member metadata lacks a required field (role, serving state, HTTP address or version)")
        }
        self.init(
            role: role,
            httpAddress: httpAddress,
            models: models,
            servingState: state,
            load: Load(
                inFlight: inFlight ?? 0,
                queueDepth: queueDepth ?? 0,
                cacheLookups: cacheCounters?.lookups ?? 0,
                cacheHits: cacheCounters?.hits ?? 0
            ),
            softwareVersion: softwareVersion,
            startedAtMilliseconds: startedAt
        )
        self.formatVersion = version
    }

    private static func append(_ tag: Tag, _ value: [UInt8], to bytes: inout [UInt8]) {
        bytes.append(tag.rawValue)
        bytes.append(contentsOf: leb128(UInt64(value.count)))
        bytes.append(contentsOf: value)
    }

    private static func leb128(_ value: UInt64) -> [UInt8] {
        var remaining = value
        var bytes: [UInt8] = []
        repeat {
            let low = UInt8(remaining & 0x7f)
            remaining >>= 7
            bytes.append(remaining == 0 ? low : low | 0x80)
        } while remaining != 0
        return bytes
    }

    /// Reads an unsigned LEB128 number of at most 9 bytes (63 bits), or nil if it runs past the
    /// end or is longer: such input is garbage, not a huge number.
    private static func readLEB128(_ bytes: some Collection<UInt8>, _ offset: inout Int) -> UInt64? {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        var position = bytes.index(bytes.startIndex, offsetBy: offset)
        while position != bytes.endIndex && shift < 63 {
            let byte = bytes[position]
            position = bytes.index(after: position)
            offset += 1
            result |= UInt64(byte & 0x7f) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
        return nil
    }

    private static func string(_ value: ArraySlice<UInt8>, field: String) throws(MetadataError) -> String {
        guard let string = String(validating: value, as: UTF8.self) else {
            throw .malformed("member metadata's \(field) is not valid UTF-8")
        }
        return string
    }

    /// Two counts, lookups then hits, with nothing after them and no more hits than lookups.
    private static func cacheCounters(_ value: ArraySlice<UInt8>) throws(MetadataError) -> (lookups: Int, hits: Int) {
        var offset = 0
        guard let lookups = readLEB128(value, &offset), let hits = readLEB128(value, &offset),
            offset == value.count, lookups <= UInt64(Int32.max), hits <= lookups
        else {
            throw .malformed("member metadata's cache counters are not two valid counts with hits <= lookups")
        }
        return (Int(lookups), Int(hits))
    }

    private static func count(_ value: ArraySlice<UInt8>, field: String) throws(MetadataError) -> Int {
        var offset = 0
        guard let number = readLEB128(value, &offset), offset == value.count, number <= UInt64(Int32.max) else {
            throw .malformed("member metadata's \(field) is not a valid count")
        }
        return Int(number)
    }
}

extension MemberMetadata.Role {
    fileprivate var wireCode: UInt8 {
        switch self {
        case .node: 1
        case .gateway: 2
        }
    }

    fileprivate init?(wireCode: UInt8) {
        switch wireCode {
        case 1: self = .node
        case 2: self = .gateway
        default: return nil
        }
    }
}

extension MemberMetadata.ServingState {
    fileprivate var wireCode: UInt8 {
        switch self {
        case .starting: 1
        case .ready: 2
        case .draining: 3
        }
    }

    fileprivate init?(wireCode: UInt8) {
        switch wireCode {
        case 1: self = .starting
        case 2: self = .ready
        case 3: self = .draining
        default: return nil
        }
    }
}
