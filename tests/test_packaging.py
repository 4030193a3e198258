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
SRC = ROOT / "src"


def test_every_package_of_the_application_is_listed():
    listed = set(PYPROJECT["tool"]["setuptools"]["packages"])
    found = {
        ".".join(init.parent.relative_to(SRC).parts) for init in (SRC / "supportbot").rglob("__init__.py")
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


def _graph(root: Path) -> dict[str, set[str]]:
    """Each module of the ``supportbot`` package under ``root`` → the modules of the package it
    imports (lazily inside a function too)."""
    modules: dict[str, Path] = {}
    for path in (root / "supportbot").rglob("*.py"):
        name = ".".join(path.relative_to(root).with_suffix("").parts).removesuffix(".__init__")
        modules[name] = path
    return {
        name: {m for m in _imports(path, name) if m in modules and m != name}
        for name, path in modules.items()
    }


# The layers, top to bottom, by subpackage of ``supportbot`` ("" is the modules at the package's
# top: the command line and the worker). A module imports from its own layer or a lower one, never
# a higher: the entry points (Slack, the review app, the command line, the worker, the migrations)
# call the use cases, which use the domain (search, the models and their training, the serving
# engine), on the core.
LAYERS = [
    ("entry points", {"", "bot", "review", "migrations"}),
    ("use cases", {"usecases"}),
    ("domain", {"retrieval", "training", "serving"}),
    ("core", {"core"}),
]
RANK = {sub: n for n, (_, subs) in enumerate(LAYERS) for sub in subs}


def _layer(module: str) -> int:
    parts = module.split(".")
    return RANK[parts[1] if len(parts) > 1 and parts[1] in RANK else ""]


def layer_violations(graph: dict[str, set[str]]) -> list[str]:
    """Every import that runs upwards, as "importer -> imported (layer -> higher layer)"."""
    out = []
    for name, imported in sorted(graph.items()):
        own = _layer(name)
        for m in sorted(imported):
            theirs = _layer(m)
            if theirs < own:
                out.append(f"{name} -> {m} ({LAYERS[own][0]} -> {LAYERS[theirs][0]})")
    return out


def test_imports_run_down_the_layers():
    assert layer_violations(_graph(SRC)) == []


@pytest.mark.parametrize(
    ("importer", "line"),
    [
        ("training/evaluation.py", "from supportbot.usecases.answer import Responder"),
        ("retrieval/search.py", "def f():\n    from supportbot.bot.slack_app import build_app\n"),
        ("retrieval/search.py", "from supportbot import cli"),
        ("core/settings.py", "import supportbot.training.loop"),
        ("usecases/answer.py", "from ..review.app import create_app"),
    ],
)
def test_the_layer_check_refuses_an_upward_import(tmp_path, importer, line):
    package = tmp_path / "supportbot"
    for sub in ("", "core", "usecases", "bot", "retrieval", "training", "serving", "review"):
        (package / sub).mkdir(exist_ok=True)
        (package / sub / "__init__.py").write_text("")
    for module in ("usecases/answer.py", "bot/slack_app.py", "training/loop.py", "review/app.py", "cli.py"):
        (package / module).write_text("")
    (package / importer).write_text(line + "\n")
    found = layer_violations(_graph(tmp_path))
    importer_name = "supportbot." + importer.removesuffix(".py").replace("/", ".")
    assert found and all(f.startswith(importer_name + " -> ") for f in found), found


def test_no_import_cycles_between_modules():
    graph = _graph(SRC)
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

    # One namespace at the top of site-packages: nothing generic (core, bot, ...) to clash with.
    tops = {p.name for p in site.iterdir() if not p.name.endswith(".dist-info") and p.name != "bin"}
    assert tops == {"supportbot"}, tops
    where = subprocess.run(
        [sys.executable, "-c", "import supportbot.core.db as m, supportbot; print(m.__file__); print(supportbot.__file__)"],
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
