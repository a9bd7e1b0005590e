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

# murmur, with the OpenBLAS kernels this environment selects ($OPENBLAS_CORETYPE if set, else murmur's
# own choice) and, on AVX-512 machines, with OpenBLAS's SkylakeX kernels: best of ROUNDS runs each (the
# summary line is timed without model loading); then single-text latency: the same 15-token text 200
# times, one forward pass each.
measure() {  # $1 = label, remaining = env assignments
  local label=$1; shift
  local best=0 line rate
  for _ in $(seq "$ROUNDS"); do
    line=$(env "$@" "$bin" embed --model-dir "$MODEL_DIR" --input "$work/corpus.jsonl" --output "$work/murmur.jsonl" 2>&1 >/dev/null | tail -1)
    rate=$(sed -E 's/.*\(([0-9]+) tokens\/s\).*/\1/' <<<"$line")
    echo "murmur embed [$label]: $line" >&2
    (( rate > best )) && best=$rate
  done
  line=$(env "$@" "$bin" embed --model-dir "$MODEL_DIR" --input "$work/single.jsonl" --output /dev/null --batch-texts 1 2>&1 | tail -1)
  echo "$label $best $(python3 -c "import re,sys; m=re.search(r'in ([0-9.]+) s', sys.argv[1]); print(round(float(m.group(1))*1000/200, 3))" "$line")"
}
for _ in $(seq 200); do echo "$SINGLE"; done > "$work/single.jsonl"
single_tokens=$(echo "$SINGLE" | "$bin" tokenize --model-dir "$MODEL_DIR" | python3 -c "import json,sys; print(len(json.load(sys.stdin)['ids']))")
runs=$(measure "environment:${OPENBLAS_CORETYPE:-auto}")
if grep -qw avx512f /proc/cpuinfo && [ "${OPENBLAS_CORETYPE:-}" != SkylakeX ]; then
  runs+=$'\n'$(measure "SkylakeX" OPENBLAS_CORETYPE=SkylakeX)
fi

if [ ! -x "$BENCH_VENV/bin/python" ] || ! "$BENCH_VENV/bin/python" -c "import sentence_transformers" 2>/dev/null; then
  echo "installing sentence-transformers into $BENCH_VENV (once; ~3 GB)"
  python3 -m venv "$BENCH_VENV"
  "$BENCH_VENV/bin/pip" install --quiet --disable-pip-version-check sentence-transformers
fi
text=$(python3 -c "import json,sys; print(json.loads(sys.argv[1])['text'])" "$SINGLE")
ref=$("$BENCH_VENV/bin/python" Tests/Benchmarks/sentence_transformers_reference.py "$MODEL_DIR" "$work/corpus.jsonl" "$work/murmur.jsonl" "$text")

python3 - "$runs" "$single_tokens" "$ref" <<'PY'
import json, os, sys
runs = [line.split() for line in sys.argv[1].splitlines() if line.strip()]
single_tokens, ref = int(sys.argv[2]), json.loads(sys.argv[3])
st_rate, st_ms = ref["tokens_per_second"], ref["single_text_ms_p50"]
result = {
    "machine": {"cores": os.cpu_count()},
    "corpus": {"texts": ref["texts"], "tokens": ref["tokens"]},
    "sentence_transformers": {"tokens_per_second": round(st_rate), "single_text_ms": round(st_ms, 3), "torch": ref["torch"]},
    "murmur": [{"openblas_kernels": label, "tokens_per_second": int(rate), "single_text_ms": float(ms),
                "ratio": round(int(rate) / st_rate, 2)} for label, rate, ms in runs],
    "single_text_tokens": single_tokens,
    "agreement": {"cosine_min": ref["cosine_min"], "cosine_mean": ref["cosine_mean"]},
}
json.dump(result, open("Tests/Benchmarks/results/model.json", "w"), indent=2)
print()
print(f"{'':34}{'tokens/s':>10}{'ratio':>8}{'1 text, ms':>12}")
print(f"{'sentence-transformers (torch, 2 thr)':34}{round(st_rate):>10}{'1.00':>8}{st_ms:>12.2f}")
for row in result["murmur"]:
    print(f"{'murmur, OpenBLAS ' + row['openblas_kernels']:34}{row['tokens_per_second']:>10}{row['ratio']:>8.2f}{row['single_text_ms']:>12.2f}")
print(f"corpus: {ref['texts']} texts, {ref['tokens']} tokens; single text: {single_tokens} tokens; "
      f"embeddings agree with sentence-transformers: cosine min {ref['cosine_min']:.6f}")
PY
