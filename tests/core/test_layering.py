"""core/ never imports Qt, llama.cpp or APScheduler (except the one module owning each)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = {"PySide6", "llama_cpp", "apscheduler", "app", "models"}
OWNERS = {"apscheduler": {"core/sleep/schedule.py"}}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_core_depends_on_nothing_above_it() -> None:
    offenders = []
    for path in sorted((ROOT / "core").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        for name in imported_modules(path) & FORBIDDEN:
            if rel not in OWNERS.get(name, set()):
                offenders.append(f"{rel} imports {name}")
    assert offenders == []


def test_models_do_not_import_the_app() -> None:
    offenders = [
        p.relative_to(ROOT).as_posix()
        for p in (ROOT / "models").rglob("*.py")
        if imported_modules(p) & {"app", "PySide6"}
    ]
    assert offenders == []


def test_the_walk_sees_real_imports(tmp_path: Path) -> None:
    sample = tmp_path / "x.py"
    sample.write_text("import PySide6.QtCore\nfrom llama_cpp import Llama\nfrom . import sibling\n")
    assert imported_modules(sample) == {"PySide6", "llama_cpp"}
