"""The bundled sample is what data/generate.py makes from data/text/: an edit of the intent text
that changes the sample without regenerating it (or the reverse) fails here."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_sample_regenerates_byte_for_byte(tmp_path):
    subprocess.run(
        [sys.executable, str(ROOT / "data" / "generate.py"), "--out", str(tmp_path)],
        check=True,
        capture_output=True,
        cwd=tmp_path,  # from anywhere, not only the repository root
    )
    sample = ROOT / "data" / "sample"
    made = sorted(p.name for p in tmp_path.iterdir() if p.is_file())
    assert made == sorted(p.name for p in sample.iterdir() if p.is_file() and p.name != "__init__.py")
    for name in made:
        assert (tmp_path / name).read_bytes() == (sample / name).read_bytes(), name
