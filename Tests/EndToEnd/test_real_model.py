"""The real all-MiniLM-L6-v2 model served by a node behind the gateway: what curl and the official
openai client get equals what `murmur embed` computes offline, and matches sentence-transformers."""
import json
import math

import pytest

from cluster import Cluster, get


@pytest.fixture(scope="module")
def real_cluster(murmur_bin, model_dir, tmp_path_factory):
    running = Cluster(murmur_bin, str(tmp_path_factory.mktemp("logs")), nodes=2, models=("all-MiniLM-L6-v2",),
                      extra_env={"MURMUR_MODEL_DIR": model_dir, "MURMUR_NODE_THREADS": "1",
                                 # fp32: the 0.99999 bar to sentence-transformers below is fp32's (bf16: 0.9999).
                                 "MURMUR_NODE_PRECISION": "fp32"})
    try:
        assert running.wait_ready(timeout=120), running.gateway.output()
        yield running
    finally:
        running.stop()


def cosine(a, b):
    return sum(x * y for x, y in zip(a, b)) / (math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b)))


def test_gateway_embeddings_equal_murmur_embed_and_the_reference(real_cluster, run, reference):
    import openai

    rows = reference[:8]
    texts = [row["text"] for row in rows]
    offline = run("embed", "--precision", "fp32", stdin="".join(json.dumps(t) + "\n" for t in texts).encode())
    assert offline.returncode == 0, offline.stderr.decode()
    expected = [json.loads(line)["embedding"] for line in offline.stdout.decode().splitlines()]

    client = openai.OpenAI(base_url=real_cluster.url + "/v1", api_key="unused", max_retries=0)
    # Without encoding_format the client asks for base64 and decodes it itself; then float explicitly.
    for encoding in ("default (base64)", "float"):
        extra = {"encoding_format": "float"} if encoding == "float" else {}
        result = client.embeddings.create(model="all-MiniLM-L6-v2", input=texts, **extra)
        assert [d.index for d in result.data] == list(range(len(texts)))
        assert result.usage.prompt_tokens == sum(len(row["input_ids"]) for row in rows)
        for got, want, row in zip(result.data, expected, rows):
            assert cosine(got.embedding, want) >= 0.999999, (encoding, row["text"])
            assert cosine(got.embedding, row["embedding"]) >= 0.99999, (encoding, row["text"])
    # curl over h2c, float encoding, the same vectors.
    import subprocess

    command = ["curl", "-sS", "--http2-prior-knowledge", "-H", "content-type: application/json",
               "--data-binary", json.dumps({"model": "all-MiniLM-L6-v2", "input": texts}),
               real_cluster.url + "/v1/embeddings"]
    answer = json.loads(subprocess.run(command, capture_output=True, check=True, timeout=60).stdout)
    for got, want in zip(answer["data"], expected):
        assert cosine(got["embedding"], want) >= 0.999999
    code, body = get(real_cluster.url + "/v1/models")
    assert code == 200 and [m["id"] for m in json.loads(body)["data"]] == ["all-MiniLM-L6-v2"]


def test_a_node_on_its_default_precision_names_it_and_stays_within_the_accuracy_bar(
        murmur_bin, model_dir, reference, tmp_path):
    """`node.precision` defaults to auto: bf16 where the CPU has AVX512-BF16 (and the load-time check
    passes), fp32 elsewhere. Either way the start log names it and every reference text stays within
    the bf16 bar (cosine >= 0.9999) of sentence-transformers."""
    has_bf16 = "avx512_bf16" in open("/proc/cpuinfo").read()
    running = Cluster(murmur_bin, str(tmp_path), nodes=1, models=("all-MiniLM-L6-v2",),
                      extra_env={"MURMUR_MODEL_DIR": model_dir, "MURMUR_NODE_THREADS": "1"})
    try:
        assert running.wait_ready(count=1, timeout=120), running.gateway.output()
        log = running.nodes["node-1"].output()
        expected = "precision bf16" if has_bf16 else "precision fp32"
        assert expected in log, log[-2000:]
        texts = [row["text"] for row in reference]
        import urllib.request

        request = urllib.request.Request(
            running.url + "/v1/embeddings",
            data=json.dumps({"model": "all-MiniLM-L6-v2", "input": texts}).encode(),
            headers={"content-type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            answer = json.loads(response.read())
        worst = min(cosine(got["embedding"], row["embedding"]) for got, row in zip(answer["data"], reference))
        assert len(answer["data"]) == len(reference)
        assert worst >= 0.9999, worst
    finally:
        running.stop()
