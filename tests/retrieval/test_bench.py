"""The retrieval benchmark at a tiny size, so that it keeps working (no timing is asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bench_runs_at_a_tiny_size(tmp_path):
    result = subprocess.run(
        [
            sys.executable, "-m", "bench.retrieval", "--sizes", "1200", "--queries", "12", "--real", "300", "--chunk", "300",
            "--throughput", "0", "--results", str(tmp_path),
        ],
        capture_output=True, text=True, timeout=300, cwd=ROOT,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert "1,200 tickets: 300 real embeddings + 900 derived" in result.stdout
    assert "full search (embed+FAISS+rows)" in result.stdout
    report = json.loads(next(tmp_path.glob("retrieval-*.json")).read_text())
    (size,) = report["sizes"]
    assert size["tickets"] == 1200 and size["search"]["index"] == "flat"
    assert set(size["indexes"]) == {"flat", "ivf", "hnsw"}
    assert size["indexes"]["flat"]["recall"] == 1.0  # exact against itself
    assert all(0.5 <= x["recall"] <= 1.0 for x in size["indexes"].values())
    assert not (tmp_path / "index-1200").exists()  # cleaned up
    # the cache of real embeddings is reused on the next run
    assert len(list(tmp_path.glob("vectors-*/chunk-*.npy"))) == 1
