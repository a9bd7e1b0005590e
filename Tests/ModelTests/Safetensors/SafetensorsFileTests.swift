import Foundation
import Testing

@testable import Model

/// Writes small safetensors files to a fresh temporary directory and removes it afterwards.
final class SafetensorsScratchDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("murmur-safetensors-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(at: url)
    }

    /// Writes `bytes` to `name` and returns the path.
    func write(_ name: String, bytes: [UInt8]) throws -> String {
        let path = url.appendingPathComponent(name).path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// Writes a safetensors file: the 8-byte little-endian length, `header` padded with spaces to a
    /// multiple of 8 (as the reference writer does, unless `pad` is false), then `data`.
    func write(_ name: String, header: String, data: [UInt8], pad: Bool = true) throws -> String {
        var headerBytes = Array(header.utf8)
        while pad && headerBytes.count % 8 != 0 { headerBytes.append(0x20) }
        var bytes: [UInt8] = []
        withUnsafeBytes(of: UInt64(headerBytes.count).littleEndian) { bytes.append(contentsOf: $0) }
        bytes += headerBytes
        bytes += data
        return try write(name, bytes: bytes)
    }
}

/// Little-endian bytes of `values`.
func safetensorsBytes(_ values: [Float]) -> [UInt8] {
    values.flatMap { value in withUnsafeBytes(of: value.bitPattern.littleEndian) { Array($0) } }
}

@Suite struct SafetensorsFileTests {
    /// Opening `path` must fail with an error of the given kind whose message names the file and
    /// contains every one of `fragments`.
    func expectLoadError(
        _ path: String, _ kind: (String) -> ModelError, mentioning fragments: [String] = [],
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let error = #expect(throws: ModelError.self, sourceLocation: sourceLocation) {
            _ = try SafetensorsFile(path: path)
        }
        guard let error else { return }
        #expect(error == kind(error.message), "wrong kind: \(error)", sourceLocation: sourceLocation)
        #expect(
            error.message.contains(path), "message does not name the file: \(error)", sourceLocation: sourceLocation)
        for fragment in fragments {
            #expect(error.message.contains(fragment), "'\(fragment)' not in: \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test func readsTensorsAndMetadataAsViews() throws {
        let directory = try SafetensorsScratchDirectory()
        let header = """
            {"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},\
            "b":{"dtype":"I64","shape":[1],"data_offsets":[24,32]},"empty":{"dtype":"F32","shape":[0,4],"data_offsets":[32,32]}}
            """
        let data = safetensorsBytes([1, 2, 3, 4, 5, 6.5]) + withUnsafeBytes(of: Int64(-7).littleEndian) { Array($0) }
        let path = try directory.write("ok.safetensors", header: header, data: data)
        let file = try SafetensorsFile(path: path)
        #expect(file.metadata == ["format": "pt"])
        #expect(Set(file.tensors.keys) == ["a", "b", "empty"])
        let a = try file.floats("a", shape: [2, 3])
        #expect(Array(a) == [1, 2, 3, 4, 5, 6.5])
        let b = try file.bytes("b", dtype: .i64, shape: [1])
        #expect(Int64(littleEndian: b.loadUnaligned(as: Int64.self)) == -7)
        #expect(try file.info("b").byteRange == 24..<32)
        #expect(try file.floats("empty", shape: [0, 4]).isEmpty)
    }

    @Test func missingFileIsFileNotFound() throws {
        let directory = try SafetensorsScratchDirectory()
        expectLoadError(directory.url.appendingPathComponent("absent.safetensors").path, ModelError.fileNotFound)
        expectLoadError(directory.url.path, ModelError.fileNotFound, mentioning: ["not a regular file"])
    }

    @Test func fileShorterThanTheLengthFieldIsTruncated() throws {
        let directory = try SafetensorsScratchDirectory()
        expectLoadError(
            try directory.write("empty.safetensors", bytes: []), ModelError.invalidFile, mentioning: ["truncated"])
        expectLoadError(
            try directory.write("five.safetensors", bytes: [1, 0, 0, 0, 0]), ModelError.invalidFile,
            mentioning: ["truncated"])
    }

    @Test func headerLengthBeyondTheFileIsInvalid() throws {
        let directory = try SafetensorsScratchDirectory()
        var bytes: [UInt8] = []
        withUnsafeBytes(of: UInt64(1000).littleEndian) { bytes.append(contentsOf: $0) }
        bytes += Array("{}".utf8)
        expectLoadError(
            try directory.write("long.safetensors", bytes: bytes), ModelError.invalidFile, mentioning: ["1000"])
        let huge = [UInt8](repeating: 0xFF, count: 8)
        expectLoadError(
            try directory.write("huge.safetensors", bytes: huge), ModelError.invalidFile, mentioning: ["header length"])
    }

    @Test func badJSONIsInvalid() throws {
        let directory = try SafetensorsScratchDirectory()
        expectLoadError(
            try directory.write("json.safetensors", header: "{\"a\": ", data: []), ModelError.invalidFile,
            mentioning: ["JSON"])
        expectLoadError(
            try directory.write("array.safetensors", header: "[1, 2]", data: []), ModelError.invalidFile,
            mentioning: ["object"])
        expectLoadError(
            try directory.write("meta.safetensors", header: #"{"__metadata__": {"n": 1}}"#, data: []),
            ModelError.invalidFile, mentioning: ["__metadata__"])
    }

    @Test func malformedTensorEntriesNameTheTensor() throws {
        let directory = try SafetensorsScratchDirectory()
        let cases: [(String, String)] = [
            (#"{"w": 3}"#, "not a JSON object"),
            (#"{"w": {"shape": [1], "data_offsets": [0, 4]}}"#, "dtype"),
            (#"{"w": {"dtype": "F12", "shape": [1], "data_offsets": [0, 4]}}"#, "unknown dtype 'F12'"),
            (#"{"w": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}}"#, "shape"),
            (#"{"w": {"dtype": "F32", "shape": [1.5], "data_offsets": [0, 4]}}"#, "shape"),
            (#"{"w": {"dtype": "F32", "shape": [1], "data_offsets": [0]}}"#, "data_offsets"),
            (#"{"w": {"dtype": "F32", "shape": [1], "data_offsets": ["0", "4"]}}"#, "data_offsets"),
            (#"{"w": {"dtype": "F32", "shape": [0], "data_offsets": [4, 0]}}"#, "end before they begin"),
        ]
        for (index, (header, fragment)) in cases.enumerated() {
            let path = try directory.write("entry\(index).safetensors", header: header, data: safetensorsBytes([1, 2]))
            expectLoadError(path, ModelError.invalidFile, mentioning: ["'w'", fragment])
        }
    }

    @Test func offsetsBeyondTheDataAreInvalid() throws {
        let directory = try SafetensorsScratchDirectory()
        // A header promising 16 bytes of data followed by only 8: a truncated download.
        let header = #"{"w": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}}"#
        let path = try directory.write("short.safetensors", header: header, data: safetensorsBytes([1, 2]))
        expectLoadError(path, ModelError.invalidFile, mentioning: ["'w'", "beyond the data section", "truncated"])
    }

    @Test func overlappingTensorsAreInvalid() throws {
        let directory = try SafetensorsScratchDirectory()
        let header = """
            {"x": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},\
            "y": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}
            """
        let path = try directory.write("overlap.safetensors", header: header, data: safetensorsBytes([1, 2, 3]))
        expectLoadError(path, ModelError.invalidFile, mentioning: ["'x'", "'y'", "overlap"])
    }

    @Test func sizeNotMatchingDtypeTimesShapeIsInvalid() throws {
        let directory = try SafetensorsScratchDirectory()
        let header = #"{"w": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}}"#
        let path = try directory.write("size.safetensors", header: header, data: safetensorsBytes([1, 2]))
        expectLoadError(path, ModelError.invalidFile, mentioning: ["'w'", "8 bytes", "needs 12"])
        let overflowing =
            #"{"w": {"dtype": "F32", "shape": [4611686018427387, 4611686018427387], "data_offsets": [0, 8]}}"#
        let path2 = try directory.write("overflow.safetensors", header: overflowing, data: safetensorsBytes([1, 2]))
        expectLoadError(path2, ModelError.invalidFile, mentioning: ["'w'", "too large"])
    }

    @Test func lookupErrorsNameFileAndTensor() throws {
        let directory = try SafetensorsScratchDirectory()
        let header = """
            {"w": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]},\
            "i": {"dtype": "I32", "shape": [1], "data_offsets": [16, 20]}}
            """
        let path = try directory.write("lookup.safetensors", header: header, data: safetensorsBytes([1, 2, 3, 4, 5]))
        let file = try SafetensorsFile(path: path)

        let missing = #expect(throws: ModelError.self) { _ = try file.floats("v", shape: [2, 2]) }
        #expect(missing == .missingTensor(missing?.message ?? ""))
        #expect(missing?.message.contains(path) == true && missing?.message.contains("'v'") == true)

        let shape = #expect(throws: ModelError.self) { _ = try file.floats("w", shape: [4]) }
        #expect(shape == .tensorMismatch(shape?.message ?? ""))
        #expect(shape?.message.contains(path) == true && shape?.message.contains("'w'") == true)
        #expect(shape?.message.contains("[2, 2]") == true)

        let dtype = #expect(throws: ModelError.self) { _ = try file.floats("i", shape: [1]) }
        #expect(dtype == .tensorMismatch(dtype?.message ?? ""))
        #expect(dtype?.message.contains("I32") == true && dtype?.message.contains("'i'") == true)
    }

    @Test func misalignedFloatDataIsReportedNotMisread() throws {
        let directory = try SafetensorsScratchDirectory()
        // An unpadded 62-byte header puts the data section at offset 70, which is not 4-aligned.
        let header = #"{"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}"#
        #expect((8 + header.utf8.count) % 4 != 0)
        let path = try directory.write("odd.safetensors", header: header, data: safetensorsBytes([1]), pad: false)
        let file = try SafetensorsFile(path: path)
        let error = #expect(throws: ModelError.self) { _ = try file.floats("w", shape: [1]) }
        #expect(error == .invalidFile(error?.message ?? ""))
        #expect(error?.message.contains("aligned") == true)
        // The raw bytes are still readable.
        #expect(try file.bytes("w", dtype: .f32, shape: [1]).loadUnaligned(as: Float.self) == 1)
    }

    @Test func readsTheRealModelFile() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../../.models/all-MiniLM-L6-v2/model.safetensors").standardized.path
        try #require(
            FileManager.default.fileExists(atPath: path),
            "model weights missing at \(path): run `make model` to unpack them")
        let file = try SafetensorsFile(path: path)
        #expect(file.metadata["format"] == "pt")
        #expect(file.tensors.count == 104)
        let norm = try file.floats("embeddings.LayerNorm.weight", shape: [384])
        #expect(abs(norm[0] - 0.598_928_33) < 1e-7)
        let words = try file.floats("embeddings.word_embeddings.weight", shape: [30522, 384])
        #expect(abs(words[101 * 384 + 2] - 0.047_105_543) < 1e-8)
        let positions = try file.info("embeddings.position_ids")
        #expect(positions.dtype == .i64 && positions.shape == [1, 512])
    }
}
