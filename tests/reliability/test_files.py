"""Audit finding 7 on files: a broken index file said "up to date"; one bad byte in a training
file rejected the whole file without saying where."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def index_status(home: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUPPORTBOT_")}
    env["SUPPORTBOT_HOME"] = str(home)
    result = subprocess.run(
        [sys.executable, "-m", "supportbot", "index", "status", "--json"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.slow
@pytest.mark.parametrize("damage", ["missing", "corrupt", "truncated"])
def test_index_status_reports_a_missing_or_corrupt_faiss_file(sample_world, tmp_path, damage):
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(sample_world / "template.db", home / "supportbot.db")
    shutil.copytree(sample_world / "index", home / "index")
    assert index_status(home)["up_to_date"] is True

    manifest = json.loads((home / "index" / "manifest.json").read_text())
    faiss_file = home / "index" / manifest["faiss_file"]
    if damage == "missing":
        faiss_file.unlink()
    elif damage == "corrupt":
        faiss_file.write_bytes(b"\x00garbage" * 64)
    else:
        faiss_file.write_bytes(faiss_file.read_bytes()[:1000])
    report = index_status(home)
    assert report["up_to_date"] is False
    assert ("missing" if damage == "missing" else "unreadable") in report["problem"]
    assert "supportbot index build" in report["problem"]


def test_one_bad_byte_costs_its_line_and_names_it(tmp_path):
    from supportbot.training.data import load_file

    good = {"messages": [{"role": "user", "content": "Where is my parcel?"},
                         {"role": "assistant", "content": "Let me check the tracking for you."}]}  # fmt: skip
    lines = [json.dumps(good).encode()] * 4
    lines[2] = json.dumps(good).encode().replace(b"parcel", b"parc\xff\xfeel")
    path = tmp_path / "logs.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    conversations, report = load_file(path)
    assert report.loaded == 3 and len(conversations) == 3
    assert report.errors == [f"{path}:3: not valid UTF-8 (byte 60 of the line)"]

    csv_path = tmp_path / "logs.csv"
    csv_path.write_bytes(
        b"id,question,resolution\n1,Where is it?,In transit\n2,Wh\xffere?,Lost\n3,Refund?,Yes\n"
    )
    conversations, report = load_file(csv_path)
    assert [c.id for c in conversations] == ["1", "3"]
    assert report.errors == [f"{csv_path}:3: not valid UTF-8"]
