#!/usr/bin/env python3
"""Draws the benchmark charts from Tests/Benchmarks/results/*.json into PNGs next to them.

  end-to-end.json          -> end-to-end-latency.png     latency (p50, p90, p99) and achieved req/s against
                                                          the offered rate, the knee marked
  gateway-vs-haproxy.json  -> gateway-vs-haproxy.png     req/s per round and median, gateway vs HAProxy,
                                                          beside single-stream p50/p99 latency
  model.json               -> model-tokens.png           tokens/s, murmur (per OpenBLAS kernel set) vs
                                                          sentence-transformers, on the same corpus

A missing results file is skipped with a note. Needs matplotlib:
  .venv-bench/bin/pip install matplotlib     (then run with .venv-bench/bin/python Tests/Benchmarks/charts.py)
"""
import json
import pathlib
import sys
import textwrap

RESULTS = pathlib.Path(__file__).resolve().parent / "results"

try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    sys.exit(
        "charts.py needs matplotlib: python3 -m venv .venv-bench && .venv-bench/bin/pip install matplotlib, "
        "then run .venv-bench/bin/python Tests/Benchmarks/charts.py"
    )

GATEWAY, HAPROXY, MURMUR, REFERENCE = "#2b6cb0", "#c05621", "#2f855a", "#718096"


def load(name):
    path = RESULTS / name
    if not path.exists():
        print(f"skipping {name}: not found in {RESULTS}")
        return None
    return json.loads(path.read_text())


def machine_note(document):
    machine = document.get("machine", {})
    note = f"{machine.get('cores', '?')} cores"
    if "load_average_before" in machine:
        note += f", load average {machine['load_average_before']} before, {machine['load_average_after']} after"
    return note


def suptitle(figure, text):
    """A figure title wrapped to the figure's width, with the plots laid out below it."""
    figure.suptitle(textwrap.fill(text, 150), fontsize=9)
    figure.tight_layout(rect=(0, 0, 1, 0.92))


def end_to_end(document):
    runs = [run for run in document["rates"] if run.get("p50_ms") is not None]
    if not runs:
        print("skipping end-to-end.json: no run with latencies")
        return None
    rates = [run["rate"] for run in runs]
    figure, (latency_axis, rate_axis) = plt.subplots(1, 2, figsize=(12, 4.8))
    for key, label, style in (("p50_ms", "p50", "o-"), ("p90_ms", "p90", "s-"), ("p99_ms", "p99", "^-")):
        latency_axis.plot(rates, [run[key] for run in runs], style, label=label)
    latency_axis.set_xlabel("offered rate (requests/s, open loop)")
    latency_axis.set_ylabel("latency from due time (ms, log scale)")
    latency_axis.set_yscale("log")
    latency_axis.set_title("Latency against offered rate")
    knee = document.get("knee", {}).get("rate")
    for axis in (latency_axis, rate_axis):
        if knee is not None:
            axis.axvline(knee, color=REFERENCE, linestyle="--", label=f"knee {knee:g} req/s")
        axis.grid(True, which="both", alpha=0.3)
    low = document.get("low_load", {})
    if low.get("p50_ms") is not None:
        latency_axis.axhline(low["p50_ms"], color=MURMUR, linestyle=":", label=f"1 stream p50 {low['p50_ms']:.2f} ms")
    latency_axis.legend()
    rate_axis.plot(rates, [run["achieved_req_per_s"] for run in runs], "o-", color=GATEWAY, label="achieved")
    rate_axis.plot(rates, rates, ":", color=REFERENCE, label="offered")
    rate_axis.set_xlabel("offered rate (requests/s)")
    rate_axis.set_ylabel("achieved rate (successful requests/s)")
    rate_axis.set_title("Achieved against offered rate")
    rate_axis.legend()
    setup = document.get("setup", {})
    suptitle(
        figure,
        f"murmur bench -> gateway -> {setup.get('nodes', 3)} nodes, real {setup.get('model', 'model')} "
        f"({setup.get('texts', '')}); {machine_note(document)}",
    )
    return figure


def gateway_vs_haproxy(document):
    throughput, latency = document["throughput"], document["latency"]
    figure, (rounds_axis, latency_axis) = plt.subplots(1, 2, figsize=(12, 4.8), gridspec_kw={"width_ratios": [3, 2]})
    gateway_rounds = throughput["gateway"]["rounds"]
    haproxy_rounds = throughput["haproxy"]["rounds"]
    width = 0.38
    positions = range(len(gateway_rounds))
    rounds_axis.bar([p - width / 2 for p in positions], [r["req_per_s"] for r in gateway_rounds], width,
                    color=GATEWAY, label=f"murmur gateway (median {throughput['gateway']['median']['req_per_s']:.0f})")
    rounds_axis.bar([p + width / 2 for p in range(len(haproxy_rounds))], [r["req_per_s"] for r in haproxy_rounds],
                    width, color=HAPROXY, label=f"HAProxy (median {throughput['haproxy']['median']['req_per_s']:.0f})")
    rounds_axis.set_xticks(list(positions), [f"round {r['round']}" for r in gateway_rounds])
    rounds_axis.set_ylabel("requests/s (2xx)")
    rounds_axis.set_title(textwrap.fill(f"Throughput: {throughput['command']}", 90), fontsize=8)
    tallest = max(r["req_per_s"] for r in gateway_rounds + haproxy_rounds)
    rounds_axis.set_ylim(0, tallest * 1.25)
    rounds_axis.legend(loc="upper left", ncol=2)
    rounds_axis.grid(True, axis="y", alpha=0.3)
    labels = ["p50", "p99"]
    for offset, (side, color, name) in enumerate(((latency["gateway"], GATEWAY, "murmur gateway"),
                                                  (latency["haproxy"], HAPROXY, "HAProxy"))):
        values = [side["median"]["p50_us"] / 1000, side["median"]["p99_us"] / 1000]
        latency_axis.bar([i + (offset - 0.5) * width for i in range(2)], values, width, color=color, label=name)
    latency_axis.set_xticks(range(2), labels)
    latency_axis.set_ylabel("latency (ms, median of rounds)")
    latency_axis.set_title(textwrap.fill(f"Latency: {latency['command']}", 60), fontsize=8)
    latency_axis.legend()
    latency_axis.grid(True, axis="y", alpha=0.3)
    setup = document.get("setup", {})
    suptitle(
        figure,
        f"murmur gateway vs HAProxy (leastconn, h2) in front of the same {setup.get('nodes', 3)} synthetic nodes "
        f"({setup.get('synthetic_latency_ms', '?')} ms service time); {machine_note(document)}",
    )
    return figure


def model_tokens(document):
    reference = document["sentence_transformers"]
    names = [f"sentence-transformers\n(torch {reference.get('torch', '?')})"]
    values = [reference["tokens_per_second"]]
    colors = [REFERENCE]
    for run in document["murmur"]:
        names.append(f"murmur {run.get('precision', 'fp32')}\n(OpenBLAS {run['openblas_kernels']})")
        values.append(run["tokens_per_second"])
        colors.append(MURMUR)
    figure, axis = plt.subplots(figsize=(10.5, 4.8))
    bars = axis.bar(names, values, color=colors)
    for bar, value in zip(bars, values):
        axis.annotate(f"{value:,}", (bar.get_x() + bar.get_width() / 2, value), ha="center", va="bottom")
    axis.set_ylabel("tokens/s (batched, whole corpus)")
    corpus = document.get("corpus", {})
    axis.set_title(
        f"all-MiniLM-L6-v2 on {corpus.get('texts', '?')} texts / {corpus.get('tokens', '?')} tokens, "
        f"{machine_note(document)}",
        fontsize=9,
    )
    axis.grid(True, axis="y", alpha=0.3)
    figure.tight_layout()
    return figure


def main():
    charts = (
        ("end-to-end.json", end_to_end, "end-to-end-latency.png"),
        ("gateway-vs-haproxy.json", gateway_vs_haproxy, "gateway-vs-haproxy.png"),
        ("model.json", model_tokens, "model-tokens.png"),
    )
    for source, draw, target in charts:
        document = load(source)
        if document is None:
            continue
        figure = draw(document)
        if figure is None:
            continue
        figure.savefig(RESULTS / target, dpi=110)
        plt.close(figure)
        print(f"wrote {RESULTS / target}")


if __name__ == "__main__":
    main()
