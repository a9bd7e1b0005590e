/// A model a node can be configured to serve (`[node] models`).
enum ConfiguredModel: String, CaseIterable, Hashable, Sendable {
    /// The real sentence-transformers model, loaded from `node.model_dir`.
    case miniLM = "all-MiniLM-L6-v2"
    /// The deterministic test model (see `SyntheticModel`), slowed by `node.synthetic_latency_ms`.
    case synthetic
}
