import Testing

@testable import Node

@Suite struct BenchCommandTests {
    private func parameters(_ arguments: [String]) throws -> BenchParameters {
        try BenchCommand.parse(arguments).parameters()
    }

    @Test func defaultsAreAClosedTenSecondRunAgainstTheLocalGateway() throws {
        let parameters = try parameters([])
        #expect(parameters.target.host == "127.0.0.1")
        #expect(parameters.target.port == 8080)
        #expect(parameters.target.path == "/v1/embeddings")
        #expect(parameters.concurrency == 4 && parameters.streamsPerConnection == 8 && parameters.streams == 32)
        #expect(parameters.stop == .duration(.seconds(10)))
        #expect(parameters.rate == nil && parameters.timetable == nil)
        #expect(parameters.model == "all-MiniLM-L6-v2")
        #expect(parameters.inputsPerRequest == 1)
        #expect(parameters.inputs == .generated(lengths: WordCountRange(8...64), seed: 1, count: 1_000))
        #expect(parameters.encodingFormat == .float)
        #expect(!parameters.json)
    }

    @Test func optionsReachTheParameters() throws {
        let parameters = try parameters([
            "--url", "http://[::1]:9000/custom?x=1", "--concurrency", "16", "--streams-per-connection", "8",
            "--rate", "250", "--duration", "1m30s", "--warmup", "2s", "--timeout", "500ms", "--model", "synthetic",
            "--lengths", "4-8", "--seed", "9", "--texts", "20", "--inputs-per-request", "3",
            "--encoding-format", "base64", "--json",
        ])
        #expect(parameters.target.host == "::1" && parameters.target.port == 9000)
        #expect(parameters.target.path == "/custom?x=1")
        #expect(parameters.target.authority == "[::1]:9000")
        #expect(parameters.streams == 128)
        #expect(parameters.rate == 250 && parameters.timetable == OpenLoopTimetable(rate: 250))
        #expect(parameters.stop == .duration(.seconds(90)))
        #expect(parameters.warmup == .seconds(2) && parameters.timeout == .milliseconds(500))
        #expect(parameters.inputs == .generated(lengths: WordCountRange(4...8), seed: 9, count: 20))
        #expect(parameters.inputsPerRequest == 3 && parameters.encodingFormat == .base64 && parameters.json)
        #expect(try self.parameters(["--requests", "200"]).stop == .requests(200))
        #expect(try self.parameters(["--input", "texts.jsonl"]).inputs == .file("texts.jsonl"))
    }

    @Test(arguments: [
        ["--duration", "5s", "--requests", "10"],
        ["--requests", "0"],
        ["--duration", "0s"],
        ["--duration", "5"],
        ["--rate", "0"],
        ["--rate", "-3"],
        ["--rate", "nan"],
        ["--concurrency", "0"],
        ["--streams-per-connection", "0"],
        ["--inputs-per-request", "0"],
        ["--timeout", "0s"],
        ["--warmup", "soon"],
        ["--url", "https://127.0.0.1:8080"],
        ["--url", "not a url"],
        ["--url", "http://:8080"],
        ["--lengths", "10-2"],
        ["--input", "a.jsonl", "--lengths", "8-64"],
        ["--encoding-format", "hex"],
        ["--texts", "0"],
        ["--model", ""],
    ])
    func badArgumentsAreRejected(_ arguments: [String]) {
        #expect(throws: (any Error).self, "\(arguments)") { try BenchCommand.parse(arguments) }
    }

    @Test func badArgumentsNameTheOption() {
        #expect {
            _ = try BenchCommand.parse(["--rate", "0"])
        } throws: { error in
            BenchCommand.message(for: error).contains("--rate must be")
        }
        #expect {
            _ = try BenchCommand.parse(["--duration", "5s", "--requests", "10"])
        } throws: { error in
            BenchCommand.message(for: error) == "give --duration or --requests, not both"
        }
    }
}
