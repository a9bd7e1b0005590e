#!/usr/bin/env python3
"""Summarises the h2load runs of gateway_vs_haproxy.sh: a table on stdout and the JSON result file.

Each run is one h2load --log-file (tab-separated: request start in microseconds since the epoch,
HTTP status, microseconds until the end of the response; -1 status for failed streams; h2load logs
only the measured phase, not the warm-up) plus h2load's own stdout, listed in a manifest
(kind, side, round, log path, stdout path, and each node's embedding request count before and after
the run, space separated). Per run:
  req/s  = 2xx responses / (last response end - first request start)
  p50/p99 = nearest-rank percentiles of the 2xx latencies, in microseconds
  errors = logged requests that were not 2xx (error_statuses: how many per status, -1 = failed
           stream), or h2load's failed + errored + timeout count if that is higher
  node_requests = requests each node answered during the run (warm-up included)
Per side the headline is the median of the rounds, metric by metric; node_share is each node's part
of all the side's requests over all rounds; the best round (highest req/s) is kept too. Ratios are gateway / haproxy of the medians (req/s: higher is better for the gateway;
p99: lower is better).
"""

import argparse
import datetime
import json
import math
import os
import re
import statistics
import sys

SIDES = ("gateway", "haproxy")
LABELS = {"gateway": "murmur gateway", "haproxy": "HAProxy"}


def percentile(sorted_values, fraction):
    """Nearest-rank percentile of an ascending list."""
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[rank - 1]


def summarise_run(log_path, stdout_path):
    latencies, statuses, first_start, last_end = [], {}, None, None
    with open(log_path) as log:
        for line_number, line in enumerate(log, 1):
            fields = line.split("\t")
            if len(fields) < 3:
                continue
            try:
                start, status, latency = int(fields[0]), int(fields[1]), int(fields[2])
            except ValueError:
                sys.exit(f"{log_path}:{line_number}: not an h2load log row: {line.strip()!r}")
            first_start = start if first_start is None else min(first_start, start)
            last_end = start + latency if last_end is None else max(last_end, start + latency)
            if 200 <= status < 300:
                latencies.append(latency)
            else:
                statuses[str(status)] = statuses.get(str(status), 0) + 1
    if not latencies:
        sys.exit(f"{log_path}: no successful requests logged; see {stdout_path}")
    text = open(stdout_path).read()
    errors = sum(statuses.values())
    failed = re.search(r"(\d+) failed, (\d+) errored, (\d+) timeout", text)
    if failed:
        errors = max(errors, sum(int(n) for n in failed.groups()))
    reported = re.search(r"finished in [0-9.]+s, ([0-9.]+) req/s", text)
    latencies.sort()
    window_s = max(last_end - first_start, 1) / 1e6
    return {
        "requests": len(latencies),
        "errors": errors,
        "error_statuses": statuses,
        "seconds": round(window_s, 3),
        "req_per_s": round(len(latencies) / window_s, 1),
        "h2load_req_per_s": float(reported.group(1)) if reported else None,
        "p50_us": percentile(latencies, 0.50),
        "p99_us": percentile(latencies, 0.99),
        "max_us": latencies[-1],
    }


def summarise_side(runs):
    median = {
        key: round(statistics.median(run[key] for run in runs), 1)
        for key in ("req_per_s", "p50_us", "p99_us")
    }
    median["errors"] = sum(run["errors"] for run in runs)
    served = [sum(counts) for counts in zip(*(run["node_requests"] for run in runs))]
    median["node_share"] = [round(n / max(sum(served), 1), 3) for n in served]
    best = max(runs, key=lambda run: run["req_per_s"])
    return {"median": median, "best_round": best, "rounds": runs}


def ratios(sides):
    gateway, haproxy = sides["gateway"]["median"], sides["haproxy"]["median"]
    return {
        "req_per_s": round(gateway["req_per_s"] / haproxy["req_per_s"], 3),
        "p50": round(gateway["p50_us"] / haproxy["p50_us"], 3),
        "p99": round(gateway["p99_us"] / haproxy["p99_us"], 3),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for name in ("manifest", "output", "throughput-command", "latency-command", "body",
                 "haproxy-version", "h2load-version", "load-before", "load-after"):
        parser.add_argument(f"--{name}", required=True)
    parser.add_argument("--synthetic-latency-ms", type=int, required=True)
    parser.add_argument("--node-cache-max-entries", type=int, required=True)
    args = parser.parse_args()

    runs = {}
    with open(args.manifest) as manifest:
        for line in manifest:
            kind, side, round_number, log_path, stdout_path, before, after = line.rstrip("\n").split("\t")
            run = {"round": int(round_number), **summarise_run(log_path, stdout_path)}
            run["node_requests"] = [int(b) - int(a) for a, b in zip(before.split(), after.split())]
            runs.setdefault(kind, {}).setdefault(side, []).append(run)

    kinds = {"throughput": args.throughput_command, "latency": args.latency_command}
    result = {
        "benchmark": "murmur gateway vs HAProxy, same 3 synthetic nodes, same h2load command",
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": {
            "cores": os.cpu_count(),
            "load_average_before": args.load_before,
            "load_average_after": args.load_after,
        },
        "setup": {
            "nodes": 3,
            "model": "synthetic",
            "synthetic_latency_ms": args.synthetic_latency_ms,
            "node_cache_max_entries": args.node_cache_max_entries,
            "body_bytes": os.path.getsize(args.body),
            "haproxy": args.haproxy_version,
            "haproxy_config": "mode http, balance leastconn, bind proto h2, servers proto h2 (h2c), "
                              "http-reuse always, option httpchk + http-check send meth GET uri http://127.0.0.1/ready (h2), inter 2s rise 2 fall 3",
            "h2load": args.h2load_version,
            "rounds": "alternating gateway, haproxy per round; headline = median of rounds",
        },
    }
    for kind, command in kinds.items():
        sides = {side: summarise_side(runs[kind][side]) for side in SIDES}
        result[kind] = {"command": command, **sides, "ratio_gateway_over_haproxy": ratios(sides)}

    with open(args.output, "w") as output:
        json.dump(result, output, indent=2)
        output.write("\n")

    rounds = len(runs["throughput"]["gateway"])
    print()
    print(f"{'':24}{'req/s':>10}{'p50 µs':>10}{'p99 µs':>10}{'errors':>8}  node share")
    for kind in kinds:
        print(f"{kind} ({result[kind]['command']}), median of {rounds} rounds")
        for side in SIDES:
            m = result[kind][side]["median"]
            print(f"  {LABELS[side]:22}{m['req_per_s']:>10.0f}{m['p50_us']:>10.0f}{m['p99_us']:>10.0f}{m['errors']:>8}  {' '.join(f'{x:.2f}' for x in m['node_share'])}")
        r = result[kind]["ratio_gateway_over_haproxy"]
        print(f"  {'gateway / HAProxy':22}{r['req_per_s']:>10.2f}{r['p50']:>10.2f}{r['p99']:>10.2f}")
    print(f"{args.haproxy_version.split(' - ')[0]}; {args.h2load_version}; "
          f"synthetic latency {args.synthetic_latency_ms} ms; node cache entries {args.node_cache_max_entries}; load average {args.load_before} -> {args.load_after}")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
