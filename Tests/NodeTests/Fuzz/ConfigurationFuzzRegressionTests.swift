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
        ("\u{FEFF}[?x]\n", 1),
    ])
    func aHeaderThatDoesNotStartWithAKeyIsAnErrorNotACrash(text: String, line: Int) {
        #expect(configurationError(text) == "cluster.conf:\(line): a table header must name a section, like [gossip]")
    }

    /// toml++ 3.4 aborted on a date-time with something other than a digit after its `T`; no key
    /// takes a time, so every time is refused before TOMLKit parses the file.
    @Test(arguments: [
        ("[cluster]\nname = 1979-05-27Tx07:32:00Z\n", 2),
        ("[gateway]\nload_factor = 07:32:00\n", 2),
        ("[cluster]\nseeds = [\n  \"a:1\",\n  1979-05-27 07:32,\n]\n", 4),
    ])
    func aTimeIsAnErrorNotACrash(text: String, line: Int) {
        #expect(
            configurationError(text)
                == "cluster.conf:\(line): times are not configuration values (quote text that holds ':')")
    }

    /// toml++ 3.4 aborted on a `}` where an array waits for a value.
    @Test(arguments: [
        ("[cluster]\nseeds = [}\n", 2),
        ("[cluster]\nseeds = [\"a:1\",\n # c\n\n }\n", 5),
        ("[cluster]\nseeds = [[1, 2], [ \t}]]\n", 2),
    ])
    func aBraceWhereAnArrayWaitsForAValueIsAnErrorNotACrash(text: String, line: Int) {
        #expect(configurationError(text) == "cluster.conf:\(line): expected a value or ']' in an array, saw '}'")
    }

    @Test func bracesThatCloseInlineTablesAreNotFlagged() {
        let text = "a = [{ b = 1 }, { c = [2] }]\nd = { e = [] }\n"
        #expect(ConfigurationLineIndex(text: text).firstBraceForArrayValue == nil)
    }

    @Test func colonsInStringsAndCommentsAreNotTimes() {
        let text = "[cluster]\nseeds = [\"a:1\", 'b:2'] # c:3\nname = \"\"\"x:y\"\"\"\n"
        #expect(ConfigurationLineIndex(text: text).firstTime == nil)
    }

    @Test func headersThatStartWithAKeyAreNotFlagged() {
        for text in [
            "[gossip]\n", "[ \"gossip\" ]\n", "[[a-b_0]]\n", "['x'.y]\n", "[]\n", "a = \"\"\"\n[?x]\n\"\"\"\n",
        ] {
            #expect(ConfigurationLineIndex(text: text).firstHeaderWithoutKey == nil, "\(text)")
        }
    }

    /// toml++ 3.4 aborted on bare values that are not TOML values (`5958-06-l= 5 \u{0E}8`); only
    /// booleans, numbers and dates pass as bare values, the rest is refused before TOMLKit parses.
    @Test(arguments: [
        ("[cluster]\nname = 5958-06-l= 5 \u{0E}8\n", 2),
        ("[gossip]\nprobe_interval = fast\n", 2),
        ("[cluster]\nseeds = [\n  1__0,\n]\n", 3),
        ("[gateway]\nlisten = { host = 12x }\n", 2),
        ("[node]\nthreads = 0x\n", 2),
    ])
    func aMalformedBareValueIsAnErrorNotACrash(text: String, line: Int) {
        #expect(
            configurationError(text)
                == "cluster.conf:\(line): a value must be a quoted string, a number, true or false, or an array of them"
        )
    }

    /// Every bare value TOML defines still reaches the loader's own type and range checks.
    @Test(arguments: [
        "true", "false", "0", "-17", "+3", "1_000", "0xff_EE", "0o17", "0b1010", "1.5", "-0.25", "6e-3", "1E+9",
        "3.0e2", "inf", "-nan", "1979-05-27",
    ])
    func bareValuesTOMLDefinesAreAccepted(value: String) {
        #expect(ConfigurationLineIndex(text: "[node]\nthreads = \(value)\n").firstMalformedValue == nil)
        #expect(ConfigurationLineIndex(text: "[cluster]\nseeds = [\(value), \(value)]\n").firstMalformedValue == nil)
    }
}
