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


# models/ implements core's ports; besides them it may use core's stateless helpers only.
MODELS_MAY_IMPORT = {"core.ports", "core.text", "core.errors", "core.home", "core.files"}


def core_modules_imported(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        node.module
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("core")
    }


def test_models_depend_only_on_core_ports_and_helpers() -> None:
    offenders = []
    for path in sorted((ROOT / "models").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if imported_modules(path) & {"app", "PySide6"}:
            offenders.append(f"{rel} imports the app")
        offenders += [f"{rel} imports {m}" for m in core_modules_imported(path) - MODELS_MAY_IMPORT]
    assert offenders == []


def test_the_walk_sees_real_imports(tmp_path: Path) -> None:
    sample = tmp_path / "x.py"
    sample.write_text("import PySide6.QtCore\nfrom llama_cpp import Llama\nfrom . import sibling\n")
    assert imported_modules(sample) == {"PySide6", "llama_cpp"}


def test_qt_is_imported_only_through_the_shim() -> None:
    offenders = []
    for folder in ("app", "core", "models", "bench", "tests"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if "PySide6" in imported_modules(path) and rel != "app/qt.py":
                offenders.append(rel)
    assert offenders == []
