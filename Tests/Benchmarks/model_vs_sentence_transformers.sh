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
# times, one forward pass each. Every run also measures the sgemm roofline (`embed --roofline`: sgemm
# on the encoder's own linear products at the run's average pass size, after the timed part), and one
# more corpus run uses batches of 32 texts, sentence-transformers' batch, for the roofline at that M.
# Each label's line: label, tokens/s, single-text ms, then "model sgemm fraction M" for the best corpus
# run, for the batch-32 run and for the single-text run.
roofline() {  # stderr of one `embed --roofline` run -> "model_gflops sgemm_gflops fraction rows"
  sed -nE 's/^roofline: model ([0-9.]+) GFLOP\/s, sgemm ([0-9.]+) GFLOP\/s .* M = ([0-9]+) .*roofline: ([0-9.]+)$/\1 \2 \4 \3/p' <<<"$1"
}
measure() {  # $1 = label, remaining = env assignments
  local label=$1; shift
  local best=0 out rate best_roof="" batch32 single ms
  for _ in $(seq "$ROUNDS"); do
    out=$(env "$@" "$bin" embed --roofline --model-dir "$MODEL_DIR" --input "$work/corpus.jsonl" --output "$work/murmur.jsonl" 2>&1 >/dev/null)
    rate=$(sed -nE 's/^embedded .*\(([0-9]+) tokens\/s\)$/\1/p' <<<"$out")
    echo "murmur embed [$label]: $(grep -E '^(embedded|roofline)' <<<"$out" | tr '\n' ' ')" >&2
    if (( rate > best )); then best=$rate; best_roof=$(roofline "$out"); fi
  done
  batch32=$(roofline "$(env "$@" "$bin" embed --roofline --batch-texts 32 --model-dir "$MODEL_DIR" --input "$work/corpus.jsonl" --output /dev/null 2>&1)")
  single=$(env "$@" "$bin" embed --roofline --model-dir "$MODEL_DIR" --input "$work/single.jsonl" --output /dev/null --batch-texts 1 2>&1)
  ms=$(python3 -c "import re,sys; m=re.search(r'^embedded .* in ([0-9.]+) s', sys.argv[1], re.M); print(round(float(m.group(1))*1000/200, 3))" "$single")
  echo "$label $best $ms $best_roof $batch32 $(roofline "$single")"
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
def roof(fields):
    model, sgemm, fraction, rows = fields
    return {"model_gflops": float(model), "sgemm_gflops": float(sgemm), "fraction": float(fraction), "rows": int(rows)}
result = {
    "machine": {"cores": os.cpu_count()},
    "corpus": {"texts": ref["texts"], "tokens": ref["tokens"]},
    "sentence_transformers": {"tokens_per_second": round(st_rate), "single_text_ms": round(st_ms, 3), "torch": ref["torch"]},
    "murmur": [{"openblas_kernels": r[0], "precision": "fp32", "tokens_per_second": int(r[1]), "single_text_ms": float(r[2]),
                "ratio": round(int(r[1]) / st_rate, 2),
                "roofline": {"corpus": roof(r[3:7]), "batch_32_texts": roof(r[7:11]), "single_text": roof(r[11:15])}}
               for r in runs],
    "single_text_tokens": single_tokens,
    "agreement": {"cosine_min": ref["cosine_min"], "cosine_mean": ref["cosine_mean"]},
}
json.dump(result, open("Tests/Benchmarks/results/model.json", "w"), indent=2)
print()
print(f"{'':40}{'tokens/s':>10}{'ratio':>8}{'1 text, ms':>12}{'roofline':>10}{'@32 texts':>11}{'@1 text':>9}")
print(f"{'sentence-transformers (torch, 2 thr)':40}{round(st_rate):>10}{'1.00':>8}{st_ms:>12.2f}")
for row in result["murmur"]:
    r = row["roofline"]
    print(f"{'murmur fp32, OpenBLAS ' + row['openblas_kernels']:40}{row['tokens_per_second']:>10}{row['ratio']:>8.2f}"
          f"{row['single_text_ms']:>12.2f}{r['corpus']['fraction']:>10.2f}{r['batch_32_texts']['fraction']:>11.2f}"
          f"{r['single_text']['fraction']:>9.2f}")
print(f"corpus: {ref['texts']} texts, {ref['tokens']} tokens; single text: {single_tokens} tokens; "
      f"embeddings agree with sentence-transformers: cosine min {ref['cosine_min']:.6f}")
print("roofline = the model's GFLOP/s over OpenBLAS sgemm's on the encoder's linear products at the same M")
PY
