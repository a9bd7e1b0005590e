extension SentenceEmbeddingModel {
    /// The texts the bf16 accuracy check embeds with fp32 and bf16 weights at load: short and long,
    /// questions, numbers, code, markup, accents, other scripts and emoji, so that rounding that
    /// hurts any kind of input shows up as a low cosine before the model serves anything.
    public static let accuracyCheckSentences: [String] = [
        "Hello!",
        "The quick brown fox jumps over the lazy dog.",
        "How do I reset my password if I no longer have access to my email account?",
        "A man is playing a guitar on a crowded street corner while people walk past.",
        "Revenue grew 12.5% year over year to $4.2 billion in Q3 2024, beating estimates.",
        "def embed(texts): return model.encode(texts, normalize_embeddings=True)",
        "<div class=\"header\"><a href=\"/docs\">Documentation</a></div>",
        "Café au lait, crème brûlée and a naïve résumé: accents everywhere.",
        "東京は日本の首都です。",
        "Привет, как дела? Всё хорошо, спасибо.",
        "I love this so much 😂🔥👍",
        "ERROR 503: upstream connect error or disconnect/reset before headers",
        "Photosynthesis converts light energy into chemical energy stored in glucose molecules.",
        "no",
        """
        In distributed systems, a gossip protocol spreads membership information by having every \
        node periodically exchange state with a few randomly chosen peers, so that news of a failure \
        reaches the whole cluster in a number of rounds that grows only logarithmically with its size, \
        without any central coordinator that could itself fail or become a bottleneck.
        """,
        "What is the capital of France? Paris is the capital and most populous city of France.",
    ]
}
