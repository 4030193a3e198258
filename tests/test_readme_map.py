"""README's map of the code stays true both ways: every module it names exists, every module of
the application is named in its package's row, and every package has a row."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "supportbot"


def _map_rows() -> dict[str, str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("| package | what |") :]
    table = table[: table.index("\n\n")]
    return dict(re.findall(r"^\| `([\w]+)/` \| (.*) \|$", table, flags=re.M))


def test_every_file_the_map_names_exists():
    missing = []
    for package, description in _map_rows().items():
        for name in re.findall(r"`([\w/]+\.py)`", description):
            where = _folder(package)
            if not any((where / sub / name).exists() for sub in ("", "store", "listeners", "formats")):
                missing.append(f"{package}/{name}")
    assert not missing, f"README names modules that do not exist: {missing}"


APPLICATION = ("core", "usecases", "bot", "retrieval", "training", "serving", "review", "migrations")


def _folder(package: str) -> Path:
    """A row's folder: the package's top (`supportbot/`), a subpackage, or a folder of the checkout."""
    if package == "supportbot":
        return PACKAGE
    return PACKAGE / package if (PACKAGE / package).is_dir() else ROOT / package


def test_every_module_of_the_application_is_on_the_map():
    rows = _map_rows()
    unnamed = [
        str(path.relative_to(ROOT))
        for package in APPLICATION
        for path in sorted((PACKAGE / package).rglob("*.py"))
        if path.name not in ("__init__.py", "__main__.py")
        and path.parent.name != "versions"
        and f"`{path.name}`" not in rows.get(package, "")
    ]
    unnamed += [
        str(path.relative_to(ROOT))
        for path in sorted(PACKAGE.glob("*.py"))
        if path.name not in ("__init__.py", "__main__.py") and f"`{path.name}`" not in rows["supportbot"]
    ]
    assert not unnamed, f"add to README's map: {unnamed}"


def test_every_application_package_has_a_row():
    rows = _map_rows()
    for package in (*APPLICATION, "supportbot"):
        assert package in rows, f"README's map has no row for {package}/"
