@testable import Model

/// What the safetensors header reader must do with any bytes at all: parsing never traps, and a
/// header it accepts keeps every promise `SafetensorsTensorInfo` documents (each tensor's bytes lie
/// in the data section, match dtype × shape, and overlap no other tensor's).
///
/// Each input is tried twice: as a whole file, and as the JSON header of a file built around it
/// (the right length prefix, then `dataSize` bytes of data), so that mutations of header text are
/// not all lost to a wrong length prefix. One place for the property: the corpus replay test and
/// the libFuzzer target `FuzzSafetensors`.
enum SafetensorsHeaderProperty {
    /// Bytes of data after the header when an input is used as header text.
    static let dataSize = 256

    /// The first broken rule for `bytes`, or nil.
    static func violation(_ bytes: [UInt8]) -> String? {
        var file: [UInt8] = []
        file.reserveCapacity(8 + bytes.count + dataSize)
        withUnsafeBytes(of: UInt64(bytes.count).littleEndian) { file.append(contentsOf: $0) }
        file.append(contentsOf: bytes)
        file.append(contentsOf: repeatElement(0, count: dataSize))
        return violation(file: bytes) ?? violation(file: file)
    }

    private static func violation(file: [UInt8]) -> String? {
        let parsed = file.withUnsafeBytes { raw in try? SafetensorsFile.parse(fileBytes: raw, path: "fuzz.safetensors")
        }
        guard let header = parsed else { return nil }
        guard header.dataStart >= 8, header.dataStart <= file.count else {
            return "data section starts at \(header.dataStart) in a \(file.count)-byte file"
        }
        let dataSize = file.count - header.dataStart
        var ranges: [Range<Int>] = []
        for (name, tensor) in header.tensors {
            guard tensor.name == name else { return "tensor listed as '\(name)' is named '\(tensor.name)'" }
            guard tensor.byteRange.lowerBound >= 0, tensor.byteRange.upperBound <= dataSize else {
                return "tensor '\(name)' bytes \(tensor.byteRange) are outside a \(dataSize)-byte data section"
            }
            let elements = tensor.shape.reduce(1) { $0 * $1 }
            guard tensor.shape.allSatisfy({ $0 >= 0 }), elements * tensor.dtype.byteCount == tensor.byteRange.count
            else {
                return "tensor '\(name)' has \(tensor.byteRange.count) bytes for shape \(tensor.shape)"
            }
            if !tensor.byteRange.isEmpty { ranges.append(tensor.byteRange) }
        }
        ranges.sort { $0.lowerBound < $1.lowerBound }
        for (previous, next) in zip(ranges, ranges.dropFirst()) where next.lowerBound < previous.upperBound {
            return "tensor byte ranges \(previous) and \(next) overlap"
        }
        return nil
    }
}
