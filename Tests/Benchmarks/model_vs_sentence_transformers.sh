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
SINGLE_RUNS=${BENCH_SINGLE_RUNS:-800}
SINGLE='{"text":"The cluster routes each request to the least loaded healthy replica today."}'
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
mkdir -p Tests/Benchmarks/results

bin="$(swift build -c release --show-bin-path)/murmur"
[ -x "$bin" ] || { echo "build first: make release" >&2; exit 1; }
python3 Tests/Benchmarks/make_corpus.py "$work/corpus.jsonl" "$COUNT"

# murmur fp32 (`--precision fp32`), with the OpenBLAS kernels this environment selects ($OPENBLAS_CORETYPE
# if set, else murmur's own choice) and, on AVX-512 machines, with OpenBLAS's SkylakeX kernels; and, where
# the CPU has AVX512-BF16, murmur bf16 (`--precision bf16`: bf16 linear layers, the rest fp32 OpenBLAS).
# Best of ROUNDS runs each (the summary line is timed without model loading); then single-text latency:
# the same 15-token text SINGLE_RUNS times, one forward pass each. Every run also measures the sgemm roofline (`embed --roofline`: sgemm
# on the encoder's own linear products at the run's average pass size, after the timed part), and one
# more corpus run uses batches of 32 texts, sentence-transformers' batch, for the roofline at that M.
# Each label's line: label, precision, tokens/s, single-text ms, then "model sgemm fraction M" for the
# best corpus run, for the batch-32 run and for the single-text run. For bf16 the "sgemm" rate is the
# bf16 kernel's on the same products (the roofline of what that run multiplies with).
roofline() {  # stderr of one `embed --roofline` run -> "model_gflops sgemm_gflops fraction rows"
  sed -nE 's/^roofline: model ([0-9.]+) GFLOP\/s, sgemm ([0-9.]+) GFLOP\/s .* M = ([0-9]+) .*roofline: ([0-9.]+)$/\1 \2 \4 \3/p' <<<"$1"
}
measure() {  # $1 = label, $2 = precision, remaining = env assignments
  local label=$1 precision=$2; shift 2
  local best=0 out rate best_roof="" batch32 single ms
  for _ in $(seq "$ROUNDS"); do
    out=$(env "$@" "$bin" embed --precision "$precision" --roofline --model-dir "$MODEL_DIR" --input "$work/corpus.jsonl" --output "$work/murmur-$precision.jsonl" 2>&1 >/dev/null)
    rate=$(sed -nE 's/^embedded .*\(([0-9]+) tokens\/s\)$/\1/p' <<<"$out")
    echo "murmur embed [$label, $precision]: $(grep -E '^(embedded|roofline)' <<<"$out" | tr '\n' ' ')" >&2
    if (( rate > best )); then best=$rate; best_roof=$(roofline "$out"); fi
  done
  batch32=$(roofline "$(env "$@" "$bin" embed --precision "$precision" --roofline --batch-texts 32 --model-dir "$MODEL_DIR" --input "$work/corpus.jsonl" --output /dev/null 2>&1)")
  single=$(env "$@" "$bin" embed --precision "$precision" --roofline --model-dir "$MODEL_DIR" --input "$work/single.jsonl" --output /dev/null --batch-texts 1 2>&1)
  ms=$(python3 -c "import re,sys; m=re.search(r'^embedded .* in ([0-9.]+) s', sys.argv[1], re.M); print(round(float(m.group(1))*1000/int(sys.argv[2]), 3))" "$single" "$SINGLE_RUNS")
  echo "$label $precision $best $ms $best_roof $batch32 $(roofline "$single")"
}
for _ in $(seq "$SINGLE_RUNS"); do echo "$SINGLE"; done > "$work/single.jsonl"
single_tokens=$(echo "$SINGLE" | "$bin" tokenize --model-dir "$MODEL_DIR" | python3 -c "import json,sys; print(len(json.load(sys.stdin)['ids']))")
runs=$(measure "environment:${OPENBLAS_CORETYPE:-auto}" fp32)
if grep -qw avx512f /proc/cpuinfo && [ "${OPENBLAS_CORETYPE:-}" != SkylakeX ]; then
  runs+=$'\n'$(measure "SkylakeX" fp32 OPENBLAS_CORETYPE=SkylakeX)
fi
if grep -qw avx512_bf16 /proc/cpuinfo; then
  runs+=$'\n'$(measure "SkylakeX" bf16 OPENBLAS_CORETYPE=SkylakeX)
fi

if [ ! -x "$BENCH_VENV/bin/python" ] || ! "$BENCH_VENV/bin/python" -c "import sentence_transformers" 2>/dev/null; then
  echo "installing sentence-transformers into $BENCH_VENV (once; ~3 GB)"
  python3 -m venv "$BENCH_VENV"
  "$BENCH_VENV/bin/pip" install --quiet --disable-pip-version-check sentence-transformers
fi
text=$(python3 -c "import json,sys; print(json.loads(sys.argv[1])['text'])" "$SINGLE")
more=(); [ -f "$work/murmur-bf16.jsonl" ] && more=("$work/murmur-bf16.jsonl")
ref=$("$BENCH_VENV/bin/python" Tests/Benchmarks/sentence_transformers_reference.py "$MODEL_DIR" "$work/corpus.jsonl" \
  "$work/murmur-fp32.jsonl" "$text" "${more[@]}")

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
    "murmur": [{"openblas_kernels": r[0], "precision": r[1], "tokens_per_second": int(r[2]), "single_text_ms": float(r[3]),
                "ratio": round(int(r[2]) / st_rate, 2),
                "roofline": {"corpus": roof(r[4:8]), "batch_32_texts": roof(r[8:12]), "single_text": roof(r[12:16])}}
               for r in runs],
    "single_text_tokens": single_tokens,
    "agreement": {"cosine_min": ref["cosine_min"], "cosine_mean": ref["cosine_mean"]},
}
if ref["more"]:
    result["agreement_bf16"] = ref["more"][0]
json.dump(result, open("Tests/Benchmarks/results/model.json", "w"), indent=2)
print()
print(f"{'':40}{'tokens/s':>10}{'ratio':>8}{'1 text, ms':>12}{'roofline':>10}{'@32 texts':>11}{'@1 text':>9}")
print(f"{'sentence-transformers (torch, 2 thr)':40}{round(st_rate):>10}{'1.00':>8}{st_ms:>12.2f}")
for row in result["murmur"]:
    r = row["roofline"]
    print(f"{'murmur ' + row['precision'] + ', OpenBLAS ' + row['openblas_kernels']:40}{row['tokens_per_second']:>10}{row['ratio']:>8.2f}"
          f"{row['single_text_ms']:>12.2f}{r['corpus']['fraction']:>10.2f}{r['batch_32_texts']['fraction']:>11.2f}"
          f"{r['single_text']['fraction']:>9.2f}")
print(f"corpus: {ref['texts']} texts, {ref['tokens']} tokens; single text: {single_tokens} tokens; "
      f"embeddings agree with sentence-transformers: cosine min {ref['cosine_min']:.6f} (fp32)"
      + (f", {ref['more'][0]['cosine_min']:.6f} (bf16)" if ref["more"] else ""))
print("roofline = the model's GFLOP/s over OpenBLAS sgemm's (bf16 rows: the bf16 kernel's) on the encoder's "
      "linear products at the same M")
PY
