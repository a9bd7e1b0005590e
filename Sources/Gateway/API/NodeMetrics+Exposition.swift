public import Model

extension NodeMetrics {
    /// The Prometheus exposition of these counters together with the batchers' and caches' stats
    /// of `embedders` (a cache shared by several embedders is counted once).
    public func exposition(embedders: [Embedder]) -> String {
        let snapshot = snapshot()
        let embedders = embedders.sorted { $0.modelName < $1.modelName }
        var out = PrometheusText()

        out.family("murmur_http_requests_total", kind: .counter, help: "HTTP requests answered, by route and status.")
        let keys = snapshot.requests.keys.sorted { ($0.route, $0.status) < ($1.route, $1.status) }
        for key in keys {
            out.sample(
                "murmur_http_requests_total", labels: ["route": key.route, "status": String(key.status)],
                value: snapshot.requests[key] ?? 0)
        }
        out.family("murmur_http_requests_in_flight", kind: .gauge, help: "HTTP requests being answered now.")
        out.sample("murmur_http_requests_in_flight", value: requestsInFlight)

        out.family(
            "murmur_embeddings_request_duration_seconds", kind: .histogram,
            help: "Time to answer POST /v1/embeddings, from the whole body to the whole response.")
        var cumulative = 0
        for (index, bound) in Self.latencyBuckets.enumerated() {
            cumulative += snapshot.latencyCounts[index]
            out.sample(
                "murmur_embeddings_request_duration_seconds_bucket", labels: ["le": PrometheusText.format(bound)],
                value: cumulative)
        }
        cumulative += snapshot.latencyCounts[Self.latencyBuckets.count]
        out.sample("murmur_embeddings_request_duration_seconds_bucket", labels: ["le": "+Inf"], value: cumulative)
        out.sample("murmur_embeddings_request_duration_seconds_sum", value: snapshot.latencySum)
        out.sample("murmur_embeddings_request_duration_seconds_count", value: cumulative)

        let names = Set(embedders.map(\.modelName)).union(snapshot.served.keys).sorted()
        out.family("murmur_embedded_texts_total", kind: .counter, help: "Inputs answered, cache hits included.")
        for name in names {
            out.sample("murmur_embedded_texts_total", labels: ["model": name], value: snapshot.served[name]?.texts ?? 0)
        }
        out.family("murmur_embedded_tokens_total", kind: .counter, help: "Tokens of the inputs answered (usage).")
        for name in names {
            out.sample(
                "murmur_embedded_tokens_total", labels: ["model": name], value: snapshot.served[name]?.tokens ?? 0)
        }

        let stats = embedders.map { ($0.modelName, $0.batcher.stats) }
        let batcherFamilies: [(String, PrometheusText.Kind, String, (DynamicBatcher.Stats) -> Int)] = [
            ("murmur_model_batches_total", .counter, "Model calls made.", \.batchesRun),
            ("murmur_model_batch_failures_total", .counter, "Model calls that failed.", \.batchesFailed),
            ("murmur_model_texts_total", .counter, "Texts handed to the model (cache misses).", \.textsEmbedded),
            ("murmur_model_tokens_total", .counter, "Tokens handed to the model.", \.tokensEmbedded),
            (
                "murmur_model_rejected_requests_total", .counter, "Requests refused because the queue was full.",
                \.jobsRejected
            ),
            ("murmur_model_queue_texts", .gauge, "Texts waiting for the model.", \.queuedTexts),
            ("murmur_model_queue_tokens", .gauge, "Tokens waiting for the model.", \.queuedTokens),
            ("murmur_model_requests_in_flight", .gauge, "Requests queued or running in the model.", \.jobsInFlight),
        ]
        for (name, kind, help, value) in batcherFamilies {
            out.family(name, kind: kind, help: help)
            for (model, stat) in stats {
                out.sample(name, labels: ["model": model], value: value(stat))
            }
        }

        var seen = Set<ObjectIdentifier>()
        var caches: [EmbeddingCache.Stats] = []
        for embedder in embedders {
            guard let cache = embedder.cache, seen.insert(ObjectIdentifier(cache)).inserted else { continue }
            caches.append(cache.stats)
        }
        let cacheFamilies: [(String, PrometheusText.Kind, String, (EmbeddingCache.Stats) -> Int)] = [
            ("murmur_cache_hits_total", .counter, "Embedding cache lookups that hit.", \.hits),
            ("murmur_cache_misses_total", .counter, "Embedding cache lookups that missed.", \.misses),
            ("murmur_cache_evictions_total", .counter, "Embedding cache entries evicted to make room.", \.evictions),
            ("murmur_cache_entries", .gauge, "Embedding cache entries stored.", \.entries),
            ("murmur_cache_bytes", .gauge, "Bytes charged for the embedding cache's entries.", \.bytes),
        ]
        for (name, kind, help, value) in cacheFamilies {
            out.family(name, kind: kind, help: help)
            out.sample(name, value: caches.reduce(0) { $0 + value($1) })
        }
        return out.text
    }
}
