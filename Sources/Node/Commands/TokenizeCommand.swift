import ArgumentParser
import Model

/// `murmur tokenize`: the token ids the model sees for each JSON Lines text ([CLS] … [SEP], ≤ 256).
struct TokenizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Tokenize JSON Lines texts offline: writes {\"ids\":[…]} per line, in order."
    )

    @OptionGroup var options: OfflineOptions

    func run() throws {
        let directory = options.resolvedModelDirectory
        let tokenizer: WordPieceTokenizer
        do {
            tokenizer = try WordPieceTokenizer(vocabularyFile: directory + "/vocab.txt")
        } catch {
            throw CLIError(error.message + " (run 'make model', or pass --model-dir / set MURMUR_MODEL_DIR)")
        }
        let maxLength = SentenceEmbeddingModel.maxSequenceLength(directory: directory)
        var input = try JSONLinesInput(path: options.input)
        var output = try LineOutput(path: options.output)
        var line: [UInt8] = []
        while let (_, text) = try input.next() {
            line.removeAll(keepingCapacity: true)
            line.append(contentsOf: #"{"ids":["#.utf8)
            for (index, id) in tokenizer.encode(text, maxLength: maxLength).enumerated() {
                if index > 0 { line.append(UInt8(ascii: ",")) }
                line.append(contentsOf: String(id).utf8)
            }
            line.append(contentsOf: "]}\n".utf8)
            try output.append(line)
        }
        try output.flush()
    }
}
