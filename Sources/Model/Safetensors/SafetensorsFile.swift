#if canImport(Darwin)
    import Darwin
#elseif canImport(Glibc)
    import Glibc
#endif

/// A safetensors file mapped read-only into memory, with its header parsed and checked.
///
/// A `final class` rather than a `~Copyable` struct so that an encoder can share one mapping and
/// hand out views into it: tensors are views (`UnsafeBufferPointer`s into the mapping), not copies,
/// and stay valid for as long as this object is alive. The mapping is released in `deinit`.
///
/// Every structural problem (missing file, truncated file, header length beyond the file, bad JSON,
/// offsets out of range or overlapping, a byte size that does not match dtype × shape) is found by
/// `init` and reported as a `ModelError` naming the file and, where there is one, the tensor.
/// Data is read as little-endian, which is the byte order of every platform Murmur runs on.
public final class SafetensorsFile: Sendable {
    /// The path the file was opened from; error messages name it.
    public let path: String
    /// The header's optional `__metadata__` string map.
    public let metadata: [String: String]
    /// Every tensor in the file by name.
    public let tensors: [String: SafetensorsTensorInfo]

    /// The whole file, mapped `PROT_READ`.
    ///
    /// `nonisolated(unsafe)` because raw pointers are not `Sendable`; sharing is safe because the
    /// memory is never written (read-only mapping) and is unmapped only in `deinit`, when no other
    /// reference to this object, and so no caller holding its lifetime, remains.
    nonisolated(unsafe) private let mapping: UnsafeRawBufferPointer
    /// Offset of the data section within the file: 8 + header length.
    private let dataStart: Int

    /// Maps the file at `path` and checks its header.
    public init(path: String) throws(ModelError) {
        self.path = path
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            let reason = String(cString: strerror(errno))
            throw .fileNotFound("\(path): cannot open safetensors file (\(reason))")
        }
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0 else {
            let reason = String(cString: strerror(errno))
            throw .fileNotFound("\(path): cannot read safetensors file (\(reason))")
        }
        guard (status.st_mode & S_IFMT) == S_IFREG else {
            throw .fileNotFound("\(path): not a regular file")
        }
        let fileSize = Int(status.st_size)
        guard fileSize >= 8 else {
            throw .invalidFile(
                "\(path): truncated safetensors file (\(fileSize) bytes; the 8-byte header length is missing)")
        }
        guard let base = mmap(nil, fileSize, PROT_READ, MAP_PRIVATE, fd, 0), base != MAP_FAILED else {
            let reason = String(cString: strerror(errno))
            throw .fileNotFound("\(path): cannot map safetensors file (\(reason))")
        }
        let bytes = UnsafeRawBufferPointer(start: UnsafeRawPointer(base), count: fileSize)
        do {
            let header = try Self.parse(fileBytes: bytes, path: path)
            self.mapping = bytes
            self.dataStart = header.dataStart
            self.tensors = header.tensors
            self.metadata = header.metadata
        } catch {
            munmap(base, fileSize)
            throw error
        }
    }

    deinit {
        if let base = mapping.baseAddress {
            munmap(UnsafeMutableRawPointer(mutating: base), mapping.count)
        }
    }

    /// The header entry for `name`, or `.missingTensor` naming the file and the tensor.
    public func info(_ name: String) throws(ModelError) -> SafetensorsTensorInfo {
        guard let info = tensors[name] else {
            throw .missingTensor("\(path): no tensor named '\(name)'")
        }
        return info
    }

    /// The raw bytes of tensor `name` after checking its dtype and shape.
    ///
    /// The view is valid while this `SafetensorsFile` is alive.
    public func bytes(
        _ name: String, dtype: SafetensorsDType, shape: [Int]
    ) throws(ModelError) -> UnsafeRawBufferPointer {
        let info = try info(name)
        guard info.dtype == dtype else {
            throw .tensorMismatch(
                "\(path): tensor '\(name)' has dtype \(info.dtype.rawValue), expected \(dtype.rawValue)")
        }
        guard info.shape == shape else {
            throw .tensorMismatch("\(path): tensor '\(name)' has shape \(info.shape), expected \(shape)")
        }
        let start = dataStart + info.byteRange.lowerBound
        return UnsafeRawBufferPointer(rebasing: mapping[start..<(start + info.byteRange.count)])
    }

    /// Tensor `name` as `Float`s after checking that it is F32 with the given shape.
    ///
    /// The view is valid while this `SafetensorsFile` is alive. The format does not promise
    /// alignment, so a tensor whose data is not 4-byte aligned is reported as `.invalidFile`.
    public func floats(_ name: String, shape: [Int]) throws(ModelError) -> UnsafeBufferPointer<Float> {
        let raw = try bytes(name, dtype: .f32, shape: shape)
        guard let base = raw.baseAddress else { return UnsafeBufferPointer(start: nil, count: 0) }
        guard Int(bitPattern: base) % MemoryLayout<Float>.alignment == 0 else {
            throw .invalidFile(
                "\(path): tensor '\(name)' data is not 4-byte aligned (the header should be padded to 8 bytes)")
        }
        return UnsafeBufferPointer(start: base.assumingMemoryBound(to: Float.self), count: raw.count / 4)
    }
}
