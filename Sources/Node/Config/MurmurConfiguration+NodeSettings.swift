import Cluster
import Model

extension MurmurConfiguration {
    /// `[node]`: the replica role.
    struct NodeSettings: Hashable, Sendable {
        /// The member name; empty means `node-<gossip port>` (see `MurmurConfiguration.nodeName`).
        var name = ""
        /// The HTTP API address (HTTP/1.1 and h2c on one port).
        var http = Endpoint(host: "127.0.0.1", port: 9000)
        /// The models this node loads and serves, in the order given; never empty, no repeats.
        var models: [ConfiguredModel] = [.miniLM]
        /// Where the model files are: `model_dir`, else `$MURMUR_MODEL_DIR`, else the default
        /// (already resolved by the loader).
        var modelDirectory = ModelDirectory.defaultPath
        /// BLAS threads for the model; nil (`threads = 0`) uses every core.
        var threads: Int?
        /// The encoder's linear layers: `auto` (bf16 where the CPU has AVX512-BF16 and the accuracy
        /// check passes), `fp32` or `bf16`.
        var precision: EncoderPrecision = .auto
        /// The dynamic batcher's budget and queue limits; `max_wait = "0ms"` is `maxWait == nil`.
        var batching = BatchFormer.Configuration()
        /// Embedding cache capacity in entries and in bytes; 0 in either disables the cache.
        var cacheMaxEntries = 100_000
        var cacheMaxBytes = 268_435_456
        /// How long each `synthetic` model call takes (`synthetic_latency_ms`).
        var syntheticLatency: Duration = .zero
        /// How long a draining node waits for in-flight requests before it exits anyway.
        var drainTimeout: Duration = .seconds(30)
    }
}
