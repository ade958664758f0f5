"""The export benchmark's memory figure counts the whole process tree: a child's pages add to its parent's."""
from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

spec = importlib.util.spec_from_file_location(
    "process_memory", Path(__file__).resolve().parents[2] / "benchmarks" / "process_memory.py"
)
assert spec is not None and spec.loader is not None
process_memory = importlib.util.module_from_spec(spec)
sys.modules["process_memory"] = process_memory  # dataclasses look their module up by name
spec.loader.exec_module(process_memory)

HOLD_40_MB = "import sys; block = bytearray(40 * 1024 * 1024); print('ready', flush=True); sys.stdin.read()"


def test_a_childs_memory_is_added_to_its_parents_and_others_are_left_out() -> None:
    child = subprocess.Popen([sys.executable, "-c", HOLD_40_MB, "export-worker-stand-in"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    other = subprocess.Popen([sys.executable, "-c", HOLD_40_MB], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None and other.stdout is not None
        assert child.stdout.readline().strip() == "ready" and other.stdout.readline().strip() == "ready"
        tree = process_memory.TreeMemory(os.getpid(), wanted=("export-worker-stand-in",))
        tree.sample()
    finally:
        for process in (child, other):
            process.communicate("")
    assert set(tree.processes) == {os.getpid(), child.pid}
    mine, its = tree.processes[os.getpid()], tree.processes[child.pid]
    assert its.rss >= 40 and its.uss >= 40 and its.hwm >= its.rss
    assert tree.most_processes == 2
    assert tree.peak_rss == tree.peak_rss_with_workers >= mine.rss + its.rss - 1  # rounding of kB to MB
    assert tree.peak_uss <= tree.peak_pss <= tree.peak_rss
    assert "worker" in tree.describe() and "parent" in tree.describe()
