"""README's map of the code stays true: every module it names exists, and every package of the
application has a row."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _map_rows() -> dict[str, str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("| package | what |") :]
    table = table[: table.index("\n\n")]
    return dict(re.findall(r"^\| `([\w]+)/` \| (.*) \|$", table, flags=re.M))


def test_every_file_the_map_names_exists():
    missing = []
    for package, description in _map_rows().items():
        for name in re.findall(r"`([\w/]+\.py)`", description):
            if not any((ROOT / package / sub / name).exists() for sub in ("", "store", "listeners")):
                missing.append(f"{package}/{name}")
    assert not missing, f"README names modules that do not exist: {missing}"


def test_every_application_package_has_a_row():
    rows = _map_rows()
    for package in ("core", "usecases", "bot", "retrieval", "training", "serving", "review", "supportbot"):
        assert package in rows, f"README's map has no row for {package}/"
