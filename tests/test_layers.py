"""The layers read top to bottom: app → collectors → intake → models and kit. No arrow runs
back up."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Each package and the packages it must never import (directly or by a lazy import inside a
# function).
FORBIDDEN = {
    "intake": {"app", "collectors", "fakes", "bench"},
    "collectors": {"app", "fakes", "bench"},
    "models": {"app", "collectors", "intake", "fakes", "bench"},
    "kit": {"app", "collectors", "intake", "models", "fakes", "bench"},
}


def imported_packages(path: Path) -> set[str]:
    """The top-level packages a module imports, anywhere in its body."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_no_import_runs_back_up(package: str) -> None:
    offenders = [
        f"{path.relative_to(ROOT)} imports {bad}"
        for path in sorted((ROOT / package).rglob("*.py"))
        for bad in sorted(imported_packages(path) & FORBIDDEN[package])
    ]
    assert offenders == []


def test_the_checker_sees_a_lazy_import(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from app.main import create_app\n    import collectors.x\n")
    assert imported_packages(module) >= {"app", "collectors"}


def test_collectors_hold_platforms_only() -> None:
    """collectors/ is one folder per platform and nothing else."""
    loose = sorted(
        p.name
        for p in (ROOT / "collectors").iterdir()
        if p.suffix == ".py" and p.name != "__init__.py"
    )
    assert loose == []
