import Testing

@testable import Node

/// Replays the `config` fuzz corpus (seeds and regression inputs) through the property its
/// libFuzzer target checks.
@Suite struct ConfigurationCorpusReplayTests {
    @Test func everyFileKeepsTheLoaderProperty() throws {
        let corpus = try FuzzCorpus("config")
        for input in corpus.inputs {
            #expect(ConfigurationLoaderProperty.violation(input.bytes) == nil, "config/\(input.name)")
        }
        // Both halves of the property run: some files load, some are refused.
        let loads = corpus.inputs.map { input in
            (try? ConfigurationLoader.load(
                document: (String(decoding: input.bytes, as: UTF8.self), "x.conf"), environment: [:], overrides: [:]))
                != nil
        }
        #expect(loads.contains(true))
        #expect(loads.contains(false))
    }
}
