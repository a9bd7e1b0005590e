"""Shared fixtures for the end-to-end tests: they run the built `murmur` binary as a user would."""
import json
import os
import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "Tests" / "ModelTests" / "Fixtures" / "minilm-reference.json"


@pytest.fixture(scope="session")
def murmur_bin() -> str:
    path = os.environ.get("MURMUR_BIN") or str(ROOT / ".build" / "debug" / "murmur")
    if not os.access(path, os.X_OK):
        pytest.fail(f"murmur binary not found at {path}: run 'swift build' or set MURMUR_BIN")
    return path


@pytest.fixture(scope="session")
def model_dir() -> str:
    path = os.environ.get("MURMUR_MODEL_DIR") or str(ROOT / ".models" / "all-MiniLM-L6-v2")
    if not os.path.exists(os.path.join(path, "model.safetensors")):
        pytest.fail(f"model not found in {path}: run 'make model'")
    return path


@pytest.fixture(scope="session")
def reference() -> list:
    return json.loads(FIXTURE.read_text())["rows"]


@pytest.fixture
def run(murmur_bin, model_dir):
    """Runs `murmur ARGS…` with the given stdin; returns the CompletedProcess."""

    def _run(*args, stdin: bytes = b"", env_extra=None, timeout=300):
        env = dict(os.environ)
        env["MURMUR_MODEL_DIR"] = model_dir
        if env_extra:
            env.update(env_extra)
        return subprocess.run(
            [murmur_bin, *args], input=stdin, capture_output=True, env=env, timeout=timeout
        )

    return _run
