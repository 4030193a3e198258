"""docker-compose.yml: valid for Docker Compose, and wired the way production needs."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def compose_command() -> list[str] | None:
    if shutil.which("docker"):
        probe = subprocess.run(["docker", "compose", "version"], capture_output=True, check=False)
        if probe.returncode == 0:
            return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    return None


@pytest.fixture
def project(tmp_path) -> Path:
    """The compose file beside a .env made from .env.example, as a user would have it."""
    shutil.copy(ROOT / "docker-compose.yml", tmp_path / "docker-compose.yml")
    shutil.copy(ROOT / ".env.example", tmp_path / ".env")
    shutil.copy(ROOT / "Dockerfile", tmp_path / "Dockerfile")
    return tmp_path


def test_docker_compose_config_validates_every_profile(project):
    command = compose_command()
    if command is None:
        pytest.skip("neither `docker compose` nor `docker-compose` is installed")
    for profiles in ([], ["--profile", "vllm", "--profile", "setup"]):
        result = subprocess.run(
            [*command, *profiles, "config", "-q"], cwd=project, capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, result.stderr


def test_services_gpus_volumes_and_the_one_variable_for_vllm():
    import yaml

    spec = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = spec["services"]
    assert {"postgres", "migrate", "model", "bot", "worker", "review", "vllm"} <= set(services)
    assert (
        services["postgres"]["healthcheck"]
        and "postgres-data:/var/lib/postgresql/data" in (services["postgres"]["volumes"])
    )
    for gpu in ("model", "worker", "vllm"):
        devices = services[gpu]["deploy"]["resources"]["reservations"]["devices"]
        assert devices[0]["capabilities"] == ["gpu"], gpu
    assert "bfloat16" in services["model"]["command"]
    assert services["migrate"]["command"] == ["db", "upgrade"]
    for app in ("model", "bot", "worker", "review"):
        assert services[app]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        # The bot reaches the model through one variable: ours by default, vLLM when set.
        assert services[app]["environment"]["SUPPORTBOT_MODEL_BASE_URL"].startswith(
            "${SUPPORTBOT_MODEL_BASE_URL:-http://model:8000/v1"
        )
    assert services["vllm"]["profiles"] == ["vllm"]
    assert any(arg.startswith("--enable-lora") for arg in services["vllm"]["command"])


def test_env_example_names_every_setting():
    from supportbot.core.settings import Settings

    names = set()
    for line in (ROOT / ".env.example").read_text().splitlines():
        line = line.lstrip("# ").strip()
        if "=" in line and line.split("=", 1)[0].isupper():
            names.add(line.split("=", 1)[0])
    for field_name, field in Settings.model_fields.items():
        alias = field.validation_alias
        env = alias.choices[0] if alias is not None else f"SUPPORTBOT_{field_name.upper()}"
        assert env in names, env
