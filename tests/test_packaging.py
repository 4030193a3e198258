"""The package installs like one: a wheel built from the tree (not an editable install) carries the
migrations and the sample, and the CLI works from a directory outside the checkout."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
APPLICATION = ["supportbot", "core", "usecases", "bot", "retrieval", "training", "serving", "review"]


def test_every_package_of_the_application_is_listed():
    listed = set(PYPROJECT["tool"]["setuptools"]["packages"])
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for top in APPLICATION
        for init in (ROOT / top).rglob("__init__.py")
    }
    assert found <= listed, f"add to [tool.setuptools] packages: {sorted(found - listed)}"


def _imports(path: Path, module: str) -> set[str]:
    """Modules of the application that ``module`` imports, at any level of the file."""
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            base = node.module
            if node.level:
                parts = module.split(".")[: -node.level] if path.name != "__init__.py" else module.split(".")
                base = ".".join([*parts, node.module])
            out.add(base)
            out.update(f"{base}.{a.name}" for a in node.names)
    return out


def test_no_import_cycles_between_modules():
    modules: dict[str, Path] = {}
    for top in APPLICATION:
        for path in (ROOT / top).rglob("*.py"):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
            modules[name] = path
    graph = {
        name: {m for m in _imports(path, name) if m in modules and m != name}
        for name, path in modules.items()
    }
    # Depth-first search for a back edge; the cycle found is named in the failure.
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(name: str) -> list[str] | None:
        state[name] = 1
        stack.append(name)
        for nxt in sorted(graph[name]):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[name] = 2
        return None

    for name in sorted(graph):
        if name not in state:
            cycle = visit(name)
            assert cycle is None, " -> ".join(cycle)


@pytest.mark.slow
def test_a_built_wheel_runs_from_outside_the_checkout(tmp_path):
    src = tmp_path / "src"
    shutil.copytree(
        ROOT,
        src,
        ignore=shutil.ignore_patterns(
            ".git", ".venv", ".supportbot", "__pycache__", "*.egg-info", "build", "test-artifacts", "results"
        ),
    )
    wheels = tmp_path / "wheels"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(wheels),
            str(src),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = wheels.glob("supportbot-*.whl")
    site = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site), str(wheel)],
        check=True,
        capture_output=True,
    )
    shutil.rmtree(src)  # nothing may be read from the tree it was built from
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {
        **os.environ,
        "PYTHONPATH": str(site),  # ahead of the development install's finder
        "SUPPORTBOT_HOME": str(tmp_path / "home"),
        "SUPPORTBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'home' / 'supportbot.db'}",
    }

    def supportbot(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "supportbot", *args],
            cwd=elsewhere,
            env=env,
            capture_output=True,
            text=True,
        )

    where = subprocess.run(
        [sys.executable, "-c", "import core, supportbot; print(core.__file__); print(supportbot.__file__)"],
        cwd=elsewhere, env=env, capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    assert all(Path(p).is_relative_to(site) for p in where), where
    helped = supportbot("--help")
    assert helped.returncode == 0 and "tickets" in helped.stdout, helped.stderr
    upgraded = supportbot("db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    imported = supportbot("tickets", "import", "--sample", "--no-index", "--json")
    assert imported.returncode == 0, imported.stderr
    assert '"created": 710' in imported.stdout
