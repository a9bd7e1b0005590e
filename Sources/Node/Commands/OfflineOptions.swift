import ArgumentParser

/// The options `embed` and `tokenize` share.
struct OfflineOptions: ParsableArguments {
    @Option(
        name: .customLong("model-dir"),
        help: "Model folder (default: $MURMUR_MODEL_DIR, else .models/all-MiniLM-L6-v2).")
    var modelDirectory: String?

    @Option(help: "JSON Lines input: each line a JSON string or an object with a \"text\" string; - for stdin.")
    var input: String = "-"

    @Option(help: "JSON Lines output, one line per input line in the same order; - for stdout.")
    var output: String = "-"

    var resolvedModelDirectory: String { ModelDirectory.resolve(flag: modelDirectory) }
}
