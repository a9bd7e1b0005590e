"""`make bench-gossip`: the gossip layer on the deterministic simulator (`murmur simulate`) at
N = 100, 1000 and 5000 without loss and N = 1000 at 1, 5 and 10 % loss, next to Serf's convergence
model. Writes Tests/Benchmarks/results/gossip-scale.json and prints a table.

Usage: python3 gossip_scale.py PATH/TO/murmur [--seconds 120] [--seed 1]"""
import argparse
import json
import math
import os
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
RESULTS = ROOT / "Tests" / "Benchmarks" / "results" / "gossip-scale.json"
RUNS = [(100, 0.0), (1000, 0.0), (5000, 0.0), (1000, 0.01), (1000, 0.05), (1000, 0.10)]
# Serf's convergence model (serf.io, gossip every 200 ms to 3 members): 99.99 % of the cluster
# has an update after ~2.0 s at N = 100 and ~2.6 s at N = 10 000; other sizes on a log-N line.
SERF_ANCHORS = ((100, 2.0), (10_000, 2.6))


def serf_model(members: int) -> float:
    (n0, t0), (n1, t1) = SERF_ANCHORS
    return t0 + (t1 - t0) * (math.log(members) - math.log(n0)) / (math.log(n1) - math.log(n0))


def seconds(value) -> str:
    return "never" if value is None else f"{value:.2f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("murmur")
    parser.add_argument("--seconds", type=float, default=120.0, help="simulated steady state per run")
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args()
    results = []
    for members, loss in RUNS:
        command = [options.murmur, "simulate", "--members", str(members), "--loss", str(loss),
                   "--seconds", str(options.seconds), "--seed", str(options.seed), "--json"]
        print(f"simulating {members} members at {loss:.0%} loss ...", file=sys.stderr, flush=True)
        # Swift seeds dictionary order per process; the protocol core iterates dictionaries, so
        # only deterministic hashing makes a run repeat exactly from its seed.
        env = dict(os.environ, SWIFT_DETERMINISTIC_HASHING="1")
        finished = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
        if finished.returncode != 0:
            print(finished.stderr, file=sys.stderr)
            return 1
        result = json.loads(finished.stdout)
        result["serf_model_p9999"] = round(serf_model(members), 2)
        results.append(result)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"runs": results}, indent=2, sort_keys=True) + "\n")

    header = ("N", "loss", "join 50%", "99%", "99.99%", "100%", "Serf 99.99%", "crash dead", "pkt/s",
              "msg/s", "UDP B/s", "TCP B/s", "false susp.", "false deaths", "wall s")
    rows = []
    for r in results:
        join, crash, traffic = r["join"], r["crash"], r["traffic"]
        rows.append((
            str(r["members"]), f"{r['loss_rate']:.0%}", seconds(join.get("p50")), seconds(join.get("p99")),
            seconds(join.get("p9999")), seconds(join.get("p100")), f"~{r['serf_model_p9999']:.2f}",
            seconds(crash.get("dead_everywhere_after")), f"{traffic['packets']:.2f}", f"{traffic['messages']:.2f}",
            f"{traffic['bytes']:.0f}", f"{traffic['push_pull_bytes']:.0f}", str(r["false_suspicions"]),
            str(r["false_deaths"]), f"{r['wall_seconds']:.1f}",
        ))
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(header)]
    for row in [header] + rows:
        print("  ".join(cell.rjust(width) for cell, width in zip(row, widths)))
    print(f"times in simulated seconds; traffic sent per member per second in steady state; "
          f"Serf model interpolated on log N between {SERF_ANCHORS}; written to {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
