from __future__ import annotations

import json
import os
import subprocess
import sys


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("SUPPORTBOT_")}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "supportbot", *args], capture_output=True, text=True, env=full_env, timeout=120
    )


def test_help_imports_no_heavy_library():
    code = (
        "import sys\n"
        "from supportbot.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('torch', 'transformers', 'faiss', 'sqlalchemy', 'slack_bolt', 'fastapi') "
        "if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60).stdout
    assert "Commands:" in out and "history" in out
    assert "HEAVY []" in out


def test_db_upgrade_and_status(tmp_path):
    env = {"SUPPORTBOT_HOME": str(tmp_path / "home")}
    before = run_cli("db", "status", "--json", env=env)
    assert before.returncode == 0, before.stderr
    assert json.loads(before.stdout)["up_to_date"] is False
    up = run_cli("db", "upgrade", env=env)
    assert up.returncode == 0, up.stderr
    after = json.loads(run_cli("db", "status", "--json", env=env).stdout)
    assert after["up_to_date"] is True and after["conversations"] == 0


def test_bad_database_url_is_one_line():
    result = run_cli("db", "status", env={"SUPPORTBOT_DATABASE_URL": "oracle://x@y/z"})
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "SUPPORTBOT_DATABASE_URL" in lines[0]


def test_unreachable_database_is_one_line():
    result = run_cli("db", "upgrade", env={"SUPPORTBOT_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"})
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: cannot reach the database")
    assert "Traceback" not in result.stderr
