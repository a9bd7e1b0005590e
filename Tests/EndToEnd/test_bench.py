"""`murmur bench` end to end: the built binary drives a small synthetic cluster (closed loop and open
loop), a URL where nothing listens (errors counted by kind, still exit 0), and bad arguments (exit 2,
one line)."""
import json
import subprocess

import pytest

from cluster import Cluster, free_port, get


@pytest.fixture(scope="module")
def cluster(murmur_bin, tmp_path_factory):
    running = Cluster(murmur_bin, str(tmp_path_factory.mktemp("bench-logs")), nodes=2)
    try:
        assert running.wait_ready(), running.gateway.output()
        yield running
    finally:
        running.stop()


def bench(murmur_bin, *args, timeout=120):
    return subprocess.run([murmur_bin, "bench", *args], capture_output=True, timeout=timeout)


def report(result) -> dict:
    assert result.returncode == 0, result.stderr.decode()
    return json.loads(result.stdout)


def gateway_embeddings_answered(cluster) -> int:
    code, body = get(cluster.url + "/metrics")
    assert code == 200
    total = 0
    for line in body.decode().splitlines():
        if line.startswith('murmur_http_requests_total{') and 'route="/v1/embeddings"' in line:
            total += int(float(line.split()[-1]))
    return total


def assert_clean(summary, requests, inputs_per_request=1):
    assert summary["requests"] == {"total": requests, "succeeded": requests, "failed": 0}
    assert set(summary["errors"].values()) == {0}, summary["errors"]
    assert summary["statuses"] == {"200": requests}
    assert summary["texts"] == requests * inputs_per_request
    assert summary["tokens"] >= summary["texts"] * 3  # [CLS] word(s) [SEP] at the least
    latency = summary["latency_ms"]
    assert 0 < latency["p50"] <= latency["p90"] <= latency["p99"] <= latency["p99_9"] <= latency["max"]
    assert summary["elapsed_s"] > 0
    assert summary["req_per_s"] == pytest.approx(requests / summary["elapsed_s"], rel=1e-6)
    assert summary["tokens_per_s"] == pytest.approx(summary["tokens"] / summary["elapsed_s"], rel=1e-6)


def test_closed_loop_counts_add_up(murmur_bin, cluster):
    before = gateway_embeddings_answered(cluster)
    summary = report(bench(murmur_bin, "--url", cluster.url, "--model", "synthetic", "--requests", "200",
                           "--concurrency", "2", "--streams-per-connection", "4", "--json"))
    assert_clean(summary, 200)
    parameters = summary["parameters"]
    assert parameters["mode"] == "closed" and parameters["requests"] == 200
    assert parameters["concurrency"] == 2 and parameters["streams_per_connection"] == 4
    assert parameters["model"] == "synthetic" and parameters["input"] == "generated"
    # The requests really went through the gateway.
    assert gateway_embeddings_answered(cluster) - before >= 200


def test_open_loop_sends_the_timetable(murmur_bin, cluster):
    summary = report(bench(murmur_bin, "--url", cluster.url, "--model", "synthetic", "--rate", "100",
                           "--duration", "2s", "--json"))
    # 100/s for 2 s: requests due at 0, 10 ms, …, 1990 ms; the last is due at 1.99 s.
    assert_clean(summary, 200)
    assert summary["parameters"]["mode"] == "open" and summary["parameters"]["rate"] == 100
    assert summary["elapsed_s"] >= 1.99
    assert summary["late_sends"] >= 0


def test_input_file_and_several_inputs_per_request(murmur_bin, cluster, tmp_path):
    texts = tmp_path / "texts.jsonl"
    texts.write_text('"first text"\n{"text": "second text", "id": 2}\n\n"third"\n')
    summary = report(bench(murmur_bin, "--url", cluster.url + "/v1/embeddings", "--model", "synthetic",
                           "--input", str(texts), "--inputs-per-request", "3", "--requests", "30",
                           "--encoding-format", "base64", "--json"))
    assert_clean(summary, 30, inputs_per_request=3)
    # Every request carries the three texts: 4 + 4 + 3 tokens with [CLS] and [SEP].
    assert summary["tokens"] == 30 * 11


def test_text_report_by_default(murmur_bin, cluster):
    result = bench(murmur_bin, "--url", cluster.url, "--model", "synthetic", "--requests", "50")
    assert result.returncode == 0, result.stderr.decode()
    text = result.stdout.decode()
    assert "requests:   50 in" in text and "50 succeeded, 0 failed" in text
    for figure in ("req/s", "texts/s", "tokens/s", "p50", "p99.9", "max", "connect 0", "http_5xx 0"):
        assert figure in text, text
    assert result.stderr == b""  # no progress line when stderr is not a terminal


def test_an_unknown_model_counts_http_4xx(murmur_bin, cluster):
    summary = report(bench(murmur_bin, "--url", cluster.url, "--model", "no-such-model", "--requests", "20",
                           "--json"))
    assert summary["requests"] == {"total": 20, "succeeded": 0, "failed": 20}
    assert summary["errors"]["http_4xx"] == 20 and summary["statuses"] == {"404": 20}
    assert "latency_ms" not in summary


def test_dead_url_counts_connect_errors_and_exits_0(murmur_bin):
    url = f"http://127.0.0.1:{free_port()}"
    summary = report(bench(murmur_bin, "--url", url, "--requests", "40", "--concurrency", "2", "--json"))
    assert summary["requests"] == {"total": 40, "succeeded": 0, "failed": 40}
    assert summary["errors"]["connect"] == 40
    assert sum(summary["errors"].values()) == 40
    assert summary["statuses"] == {}


@pytest.mark.parametrize("args", [
    ["--rate", "0"],
    ["--duration", "5s", "--requests", "3"],
    ["--concurrency", "zero"],
    ["--url", "https://127.0.0.1:8080"],
    ["--lengths", "64-8"],
    ["--no-such-option"],
])
def test_bad_arguments_exit_2_with_one_line(murmur_bin, args):
    result = bench(murmur_bin, *args)
    assert result.returncode == 2
    assert result.stdout == b""
    lines = result.stderr.decode().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("murmur: ")


def test_missing_input_file_exits_2(murmur_bin, tmp_path):
    result = bench(murmur_bin, "--input", str(tmp_path / "missing.jsonl"), "--requests", "1")
    assert result.returncode == 2
    assert len(result.stderr.decode().splitlines()) == 1 and "missing.jsonl" in result.stderr.decode()
