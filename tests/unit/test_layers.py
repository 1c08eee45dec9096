"""The layer contracts hold, and they fail the build when someone adds a reverse import."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

LINT = str(Path(sys.executable).parent / "lint-imports")


def _lint(tree: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run(
        [LINT], cwd=tree, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def _copy(tmp_path: Path) -> Path:
    tree = tmp_path / "tree"
    for package in ("api", "casework", "workflows"):
        shutil.copytree(ROOT / package, tree / package, ignore=shutil.ignore_patterns("static"))
    shutil.copy(ROOT / "pyproject.toml", tree / "pyproject.toml")
    return tree


def test_the_contracts_hold_and_break_on_a_reverse_import(tmp_path):
    tree = _copy(tmp_path)
    kept = _lint(tree)
    assert kept.returncode == 0, kept.stdout + kept.stderr
    assert "0 broken" in kept.stdout
    # The engine reaching up into the HTTP layer, and a low slice into a high one.
    time_module = tree / "casework" / "core" / "time.py"
    time_module.write_text(time_module.read_text() + "\nimport api.http  # noqa\n")
    broken = _lint(tree)
    assert broken.returncode != 0
    assert "casework.core.time" in broken.stdout and "BROKEN" in broken.stdout


def test_a_slice_reaching_up_is_refused(tmp_path):
    tree = _copy(tmp_path)
    clocks = tree / "casework" / "clocks" / "service.py"
    clocks.write_text(clocks.read_text() + "\nimport casework.escalation.service  # noqa\n")
    broken = _lint(tree)
    assert broken.returncode != 0 and "casework.clocks.service" in broken.stdout
