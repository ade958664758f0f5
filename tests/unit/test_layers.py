"""The layers of DESIGN.md §1 hold: checked by import-linter and by a scan of the domain."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_import_linter_contracts_are_kept():
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint)], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "broken" in result.stdout and " 0 broken" in result.stdout


def test_the_domain_imports_only_the_standard_library_and_eventsourcing_domain():
    allowed_third_party = {"eventsourcing.domain"}
    offenders = []
    for path in (ROOT / "domain").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                if top in ("domain", "__future__") or top in sys.stdlib_module_names:
                    continue
                if name not in allowed_third_party:
                    offenders.append(f"{path.name}: {name}")
    assert offenders == []
