import Foundation

/// The seed and regression inputs of one libFuzzer target, in `Tests/Fuzz/Corpus/<target>`.
///
/// `make fuzz` starts from these files; the replay tests run every one of them through the same
/// property as the fuzz target, so a crash found once stays fixed. This file is shared by the
/// test targets through symlinks (each lives at `Tests/<Target>/Fuzz/`, so the path below holds).
struct FuzzCorpus {
    /// The target's folder name, e.g. `wire`.
    let target: String
    /// Every input, by file name, in file name order.
    let inputs: [(name: String, bytes: [UInt8])]

    /// Reads every file of `Tests/Fuzz/Corpus/<target>`; throws if the folder is missing or empty.
    init(_ target: String, filePath: String = #filePath) throws {
        let folder = URL(fileURLWithPath: filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fuzz/Corpus/\(target)")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        guard !names.isEmpty else { throw FuzzCorpusError(message: "no inputs in \(folder.path)") }
        self.target = target
        self.inputs = try names.map { name in
            (name, Array(try Data(contentsOf: folder.appendingPathComponent(name))))
        }
    }
}

/// A corpus folder that cannot be replayed.
struct FuzzCorpusError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
