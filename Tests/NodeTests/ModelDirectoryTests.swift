import Testing

@testable import Node

@Suite struct ModelDirectoryTests {
    @Test func flagBeatsEnvironmentBeatsDefault() {
        let environment = ["MURMUR_MODEL_DIR": "/from/env"]
        #expect(ModelDirectory.resolve(flag: "/from/flag", environment: environment) == "/from/flag")
        #expect(ModelDirectory.resolve(flag: nil, environment: environment) == "/from/env")
        #expect(ModelDirectory.resolve(flag: "", environment: [:]) == ModelDirectory.defaultPath)
    }

    @Test func jsonLinesAcceptStringsAndTextObjects() throws {
        #expect(try JSONLinesInput.text(of: Array(#""a\tb""#.utf8), at: "x:1") == "a\tb")
        #expect(try JSONLinesInput.text(of: Array(#"{"text":"hi","id":3}"#.utf8), at: "x:2") == "hi")
        for bad in [#"{"txt":"hi"}"#, #"{"text":3}"#, "[1]", "nope", "12"] {
            #expect(throws: CLIError.self) { try JSONLinesInput.text(of: Array(bad.utf8), at: "x:3") }
        }
    }
}
