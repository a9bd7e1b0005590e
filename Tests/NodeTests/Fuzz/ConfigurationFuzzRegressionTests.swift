import Testing

@testable import Node

/// Inputs `make fuzz` found to crash the configuration loader, each now a clean error.
@Suite struct ConfigurationFuzzRegressionTests {
    /// toml++ 3.4 (inside TOMLKit) aborted the process on these headers instead of reporting them.
    @Test(arguments: [
        ("[?ossip]\nprobe_interval = true\n", 1),
        ("[gossip]\nbind = \"127.0.0.1:7946\"\n[\n", 3),
        ("# comment\n\n[[ ?x]]\n", 3),
        ("[ \t#gossip]\n", 1),
    ])
    func aHeaderThatDoesNotStartWithAKeyIsAnErrorNotACrash(text: String, line: Int) {
        #expect(configurationError(text) == "cluster.conf:\(line): a table header must name a section, like [gossip]")
    }

    @Test func headersThatStartWithAKeyAreNotFlagged() {
        for text in [
            "[gossip]\n", "[ \"gossip\" ]\n", "[[a-b_0]]\n", "['x'.y]\n", "[]\n", "a = \"\"\"\n[?x]\n\"\"\"\n",
        ] {
            #expect(ConfigurationLineIndex(text: text).firstHeaderWithoutKey == nil, "\(text)")
        }
    }
}
