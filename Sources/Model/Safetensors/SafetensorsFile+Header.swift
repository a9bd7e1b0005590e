import Foundation

extension SafetensorsFile {
    /// A parsed and checked header.
    struct Header {
        var dataStart: Int
        var tensors: [String: SafetensorsTensorInfo]
        var metadata: [String: String]
    }

    /// The largest header accepted, as in the reference implementation: a bigger length field means
    /// a corrupt or hostile file, not a real header.
    static let maximumHeaderLength = 100_000_000

    /// Parses and checks the header of a whole safetensors file held in `fileBytes`.
    ///
    /// Pure (no I/O), so every malformed-file case can be tested on bytes built in memory.
    static func parse(fileBytes: UnsafeRawBufferPointer, path: String) throws(ModelError) -> Header {
        guard fileBytes.count >= 8 else {
            throw .invalidFile(
                "\(path): truncated safetensors file (\(fileBytes.count) bytes; the 8-byte header length is missing)")
        }
        let lengthField = UInt64(littleEndian: fileBytes.loadUnaligned(as: UInt64.self))
        guard lengthField <= UInt64(fileBytes.count - 8), lengthField <= UInt64(maximumHeaderLength) else {
            throw .invalidFile(
                "\(path): header length \(lengthField) goes beyond the end of the file (\(fileBytes.count) bytes)")
        }
        let headerLength = Int(lengthField)
        let dataStart = 8 + headerLength
        let dataSize = fileBytes.count - dataStart
        let json = Data(UnsafeRawBufferPointer(rebasing: fileBytes[8..<dataStart]))

        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: json)
        } catch {
            throw .invalidFile("\(path): header is not valid JSON (\(error.localizedDescription))")
        }
        guard let entries = object as? [String: Any] else {
            throw .invalidFile("\(path): header is not a JSON object")
        }

        var metadata: [String: String] = [:]
        var tensors: [String: SafetensorsTensorInfo] = [:]
        for (name, value) in entries {
            if name == "__metadata__" {
                guard let map = value as? [String: String] else {
                    throw .invalidFile("\(path): '__metadata__' must map strings to strings")
                }
                metadata = map
                continue
            }
            tensors[name] = try parseTensor(name: name, value: value, dataSize: dataSize, path: path)
        }
        try checkNoOverlap(tensors.values, path: path)
        return Header(dataStart: dataStart, tensors: tensors, metadata: metadata)
    }

    private static func parseTensor(
        name: String, value: Any, dataSize: Int, path: String
    ) throws(ModelError) -> SafetensorsTensorInfo {
        guard let fields = value as? [String: Any] else {
            throw .invalidFile("\(path): tensor '\(name)': header entry is not a JSON object")
        }
        guard let dtypeName = fields["dtype"] as? String else {
            throw .invalidFile("\(path): tensor '\(name)': missing or non-string 'dtype'")
        }
        guard let dtype = SafetensorsDType(rawValue: dtypeName) else {
            throw .invalidFile("\(path): tensor '\(name)': unknown dtype '\(dtypeName)'")
        }
        guard let shape = nonNegativeIntegers(fields["shape"]) else {
            throw .invalidFile("\(path): tensor '\(name)': 'shape' must be an array of non-negative integers")
        }
        guard let offsets = nonNegativeIntegers(fields["data_offsets"]), offsets.count == 2 else {
            throw .invalidFile("\(path): tensor '\(name)': 'data_offsets' must be two non-negative integers")
        }
        let (begin, end) = (offsets[0], offsets[1])
        guard begin <= end else {
            throw .invalidFile("\(path): tensor '\(name)': data_offsets [\(begin), \(end)] end before they begin")
        }
        guard end <= dataSize else {
            throw .invalidFile(
                "\(path): tensor '\(name)': data_offsets [\(begin), \(end)] go beyond the data section "
                    + "(\(dataSize) bytes); the file may be truncated")
        }
        var expectedBytes = dtype.byteCount
        for dimension in shape {
            let (product, overflow) = expectedBytes.multipliedReportingOverflow(by: dimension)
            guard !overflow else {
                throw .invalidFile("\(path): tensor '\(name)': shape \(shape) is too large")
            }
            expectedBytes = product
        }
        guard end - begin == expectedBytes else {
            throw .invalidFile(
                "\(path): tensor '\(name)': \(end - begin) bytes of data but dtype \(dtype.rawValue) "
                    + "× shape \(shape) needs \(expectedBytes)")
        }
        return SafetensorsTensorInfo(name: name, dtype: dtype, shape: shape, byteRange: begin..<end)
    }

    private static func checkNoOverlap(
        _ tensors: some Collection<SafetensorsTensorInfo>, path: String
    ) throws(ModelError) {
        let ordered = tensors.filter { !$0.byteRange.isEmpty }
            .sorted { ($0.byteRange.lowerBound, $0.name) < ($1.byteRange.lowerBound, $1.name) }
        for (previous, next) in zip(ordered, ordered.dropFirst())
        where next.byteRange.lowerBound < previous.byteRange.upperBound {
            throw .invalidFile(
                "\(path): tensors '\(previous.name)' \(previous.byteRange) and '\(next.name)' "
                    + "\(next.byteRange) overlap")
        }
    }

    /// `value` as an array of non-negative integers, rejecting fractions, negatives and strings.
    private static func nonNegativeIntegers(_ value: Any?) -> [Int]? {
        guard let array = value as? [Any] else { return nil }
        var result: [Int] = []
        result.reserveCapacity(array.count)
        for element in array {
            guard let number = element as? NSNumber else { return nil }
            let double = number.doubleValue
            guard double >= 0, double == double.rounded(), double < 9.0e15 else { return nil }
            result.append(number.intValue)
        }
        return result
    }
}
