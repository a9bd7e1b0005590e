"""The anchor for the model benchmark: sentence-transformers (PyTorch) on the same corpus and cores.

Usage: sentence_transformers_reference.py MODEL_DIR CORPUS.jsonl MURMUR_OUTPUT.jsonl SINGLE_TEXT [MORE.jsonl…]
Prints one JSON object: tokens/s with 2 threads and batch 32, single-text latency, and how closely
murmur's embeddings (MURMUR_OUTPUT.jsonl, written by `murmur embed` from the same corpus) agree; the
same agreement for each further output (e.g. murmur's bf16 run) in `more`, in order.
Runs only in a throwaway virtualenv (see model_vs_sentence_transformers.sh), never in `make test`.
"""
import json
import os
import statistics
import sys
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import numpy as np  # noqa: E402
import torch  # noqa: E402
from sentence_transformers import SentenceTransformer  # noqa: E402


def main() -> int:
    model_dir, corpus_path, murmur_path, single_text = sys.argv[1:5]
    torch.set_num_threads(2)
    texts = [json.loads(line) for line in open(corpus_path, encoding="utf-8") if line.strip()]
    model = SentenceTransformer(model_dir, device="cpu")
    tokens = sum(len(ids) for ids in model.tokenizer(texts, truncation=True, max_length=256)["input_ids"])

    model.encode(texts[:64], batch_size=32)  # warm-up
    started = time.perf_counter()
    reference = model.encode(texts, batch_size=32, normalize_embeddings=True, convert_to_numpy=True)
    seconds = time.perf_counter() - started

    latencies = []
    for _ in range(5):
        model.encode([single_text])
    for _ in range(100):
        t0 = time.perf_counter()
        model.encode([single_text])
        latencies.append((time.perf_counter() - t0) * 1000)

    def agreement(path):
        ours = np.array([json.loads(line)["embedding"] for line in open(path)], dtype=np.float32)
        return np.sum(ours * reference, axis=1) / (np.linalg.norm(ours, axis=1) * np.linalg.norm(reference, axis=1))

    cosines = agreement(murmur_path)
    more = [agreement(path) for path in sys.argv[5:]]
    print(json.dumps({
        "texts": len(texts),
        "tokens": int(tokens),
        "seconds": seconds,
        "tokens_per_second": tokens / seconds,
        "single_text_tokens": len(model.tokenizer(single_text)["input_ids"]),
        "single_text_ms_p50": statistics.median(latencies),
        "cosine_min": float(cosines.min()),
        "cosine_mean": float(cosines.mean()),
        "more": [{"cosine_min": float(c.min()), "cosine_mean": float(c.mean())} for c in more],
        "torch": torch.__version__,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
