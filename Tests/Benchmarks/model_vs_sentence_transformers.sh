#!/usr/bin/env bash
# Model benchmark: `murmur embed` (release build) against sentence-transformers (PyTorch, 2 threads,
# batch 32) on the same ≥ 1000-text corpus, on this machine, in one run. Prints both tokens/s, the
# ratio, single-text latency, and how closely the embeddings agree. Writes
# Tests/Benchmarks/results/model.json. Not part of `make test`: the reference needs PyTorch (~3 GB),
# installed into a throwaway virtualenv (BENCH_VENV, default .venv-bench, git-ignored).
set -euo pipefail
cd "$(dirname "$0")/../.."

MODEL_DIR=${MURMUR_MODEL_DIR:-.models/all-MiniLM-L6-v2}
BENCH_VENV=${BENCH_VENV:-.venv-bench}
COUNT=${BENCH_TEXTS:-1200}
ROUNDS=${BENCH_ROUNDS:-3}
SINGLE='{"text":"The cluster routes each request to the least loaded healthy replica today."}'
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
mkdir -p Tests/Benchmarks/results

bin="$(swift build -c release --show-bin-path)/murmur"
[ -x "$bin" ] || { echo "build first: make release" >&2; exit 1; }
python3 Tests/Benchmarks/make_corpus.py "$work/corpus.jsonl" "$COUNT"

# murmur: best of ROUNDS runs (the summary line is timed without model loading).
best=0
for _ in $(seq "$ROUNDS"); do
  line=$("$bin" embed --model-dir "$MODEL_DIR" --input "$work/corpus.jsonl" --output "$work/murmur.jsonl" 2>&1 >/dev/null | tail -1)
  rate=$(sed -E 's/.*\(([0-9]+) tokens\/s\).*/\1/' <<<"$line")
  echo "murmur embed: $line"
  (( rate > best )) && best=$rate
done
# Single-text latency: the same 16-token text 200 times, one forward pass each.
for _ in $(seq 200); do echo "$SINGLE"; done > "$work/single.jsonl"
single_line=$("$bin" embed --model-dir "$MODEL_DIR" --input "$work/single.jsonl" --output /dev/null --batch-texts 1 2>&1 | tail -1)
single_ms=$(python3 -c "import re,sys; m=re.search(r'in ([0-9.]+) s', sys.argv[1]); print(round(float(m.group(1))*1000/200, 3))" "$single_line")
single_tokens=$(echo "$SINGLE" | "$bin" tokenize --model-dir "$MODEL_DIR" | python3 -c "import json,sys; print(len(json.load(sys.stdin)['ids']))")

if [ ! -x "$BENCH_VENV/bin/python" ] || ! "$BENCH_VENV/bin/python" -c "import sentence_transformers" 2>/dev/null; then
  echo "installing sentence-transformers into $BENCH_VENV (once; ~3 GB)"
  python3 -m venv "$BENCH_VENV"
  "$BENCH_VENV/bin/pip" install --quiet --disable-pip-version-check sentence-transformers
fi
text=$(python3 -c "import json,sys; print(json.loads(sys.argv[1])['text'])" "$SINGLE")
ref=$("$BENCH_VENV/bin/python" Tests/Benchmarks/sentence_transformers_reference.py "$MODEL_DIR" "$work/corpus.jsonl" "$work/murmur.jsonl" "$text")

python3 - "$best" "$single_ms" "$single_tokens" "$ref" <<'PY'
import json, sys, platform
murmur_rate, single_ms, single_tokens, ref = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), json.loads(sys.argv[4])
result = {
    "machine": {"cores": __import__("os").cpu_count(), "processor": platform.processor() or platform.machine()},
    "corpus": {"texts": ref["texts"], "tokens": ref["tokens"]},
    "murmur": {"tokens_per_second": murmur_rate, "single_text_ms": single_ms, "single_text_tokens": single_tokens},
    "sentence_transformers": {"tokens_per_second": round(ref["tokens_per_second"]), "single_text_ms": round(ref["single_text_ms_p50"], 3), "torch": ref["torch"]},
    "ratio": round(murmur_rate / ref["tokens_per_second"], 2),
    "agreement": {"cosine_min": ref["cosine_min"], "cosine_mean": ref["cosine_mean"]},
}
json.dump(result, open("Tests/Benchmarks/results/model.json", "w"), indent=2)
print()
print(f"{'':28}{'murmur':>14}{'sentence-transformers':>24}")
print(f"{'tokens/s (corpus)':28}{murmur_rate:>14}{round(ref['tokens_per_second']):>24}")
print(f"{'single text, ms':28}{single_ms:>14}{round(ref['single_text_ms_p50'], 2):>24}   ({single_tokens} tokens)")
print(f"ratio murmur / sentence-transformers: {result['ratio']}x    embeddings cosine min {ref['cosine_min']:.6f}")
PY
