"""The layering of docs/ARCHITECTURE.md holds: import-linter's contracts in .importlinter pass."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _lint_imports() -> str:
    beside_python = Path(sys.executable).with_name("lint-imports")
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which("lint-imports")
    assert found, "lint-imports not found: pip install import-linter (a test dependency)"
    return found


def test_import_contracts_are_kept() -> None:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    result = subprocess.run(
        [_lint_imports(), "--config", str(ROOT / ".importlinter"), "--no-cache"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_contract_names_every_top_level_package() -> None:
    """A new top-level package must be placed in a layer, or the contract says nothing of it."""
    config = (ROOT / ".importlinter").read_text(encoding="utf-8")
    packages = {
        p.stem if p.suffix == ".py" else p.name
        for p in (ROOT / "hydria").iterdir()
        if (p.suffix == ".py" or (p / "__init__.py").exists()) and not p.name.startswith("__")
    }
    for name in packages:
        assert f"hydria.{name}" in config, f"hydria.{name} is in no layer of .importlinter"
