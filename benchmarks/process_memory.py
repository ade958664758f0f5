"""The memory of a whole process tree (a process and every descendant), sampled from /proc while it runs.

An export is a parent and its worker processes: what it costs the machine is their sum, not the
parent's own peak. Per process, Linux gives (in /proc/PID/smaps_rollup):
- RSS: every resident page the process maps, shared ones included (the same library's code
  counts once per process: summing RSS over processes over-counts, so it is the safe bound);
- PSS: each page divided by the number of processes that map it (sums to the real use);
- USS: the pages only this process maps (Private_Clean + Private_Dirty): what its end frees.
and VmHWM in /proc/PID/status, the kernel's own peak RSS of the process (never missed by sampling).

`TreeMemory(pid)` samples every `interval` seconds in a thread until `stop()`; the peak of the sum
is what the machine needed at once. Linux only; elsewhere it samples nothing.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

KB_PER_MB = 1024


def descendants(pid: int) -> list[int]:
    """`pid` and all its live descendants, parents first."""
    found, index = [pid], 0
    while index < len(found):
        current = found[index]
        index += 1
        try:
            tasks = Path(f"/proc/{current}/task").iterdir()
            for task in tasks:
                found += [int(child) for child in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def _rollup(pid: int) -> tuple[float, float, float] | None:
    """(RSS, PSS, USS) in MB of one process, or None when it is gone or not readable."""
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return None
    values: dict[str, int] = {}
    for line in text.splitlines()[1:]:
        name, _, rest = line.partition(":")
        parts = rest.split()
        if parts and parts[0].isdigit():
            values[name] = int(parts[0])
    uss = values.get("Private_Clean", 0) + values.get("Private_Dirty", 0)
    return values.get("Rss", 0) / KB_PER_MB, values.get("Pss", 0) / KB_PER_MB, uss / KB_PER_MB


def _high_water_mark(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / KB_PER_MB
    except OSError:
        return None
    return None


def _command_line(pid: int) -> str:
    try:
        words = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return "?"
    return " ".join(word.decode(errors="replace") for word in words if word)


@dataclass
class ProcessPeak:
    label: str
    rss: float = 0.0
    pss: float = 0.0
    uss: float = 0.0
    hwm: float = 0.0


@dataclass
class TreeMemory:
    """Samples the tree under `pid`; read the peaks after `stop()`."""

    pid: int
    interval: float = 0.02
    #: Only processes whose command line holds one of these (after exec: a child started by
    #: vfork shows its parent's memory until it has exec'd); empty: every process of the tree.
    wanted: tuple[str, ...] = ()
    peak_rss: float = 0.0
    peak_pss: float = 0.0
    peak_uss: float = 0.0
    #: Most processes alive at once, and the peak totals while more than one was alive.
    most_processes: int = 0
    peak_rss_with_workers: float = 0.0
    peak_pss_with_workers: float = 0.0
    peak_uss_with_workers: float = 0.0
    samples: int = 0
    processes: dict[int, ProcessPeak] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="tree-memory", daemon=True)

    def start(self) -> TreeMemory:
        self._thread.start()
        return self

    def stop(self) -> TreeMemory:
        self._stop.set()
        self._thread.join()
        return self

    def sample(self) -> None:
        rss = pss = uss = 0.0
        alive = 0
        for pid in descendants(self.pid):
            command = _command_line(pid)
            if pid != self.pid and self.wanted and not any(word in command for word in self.wanted):
                continue
            figures = _rollup(pid)
            if figures is None:
                continue
            alive += 1
            peak = self.processes.setdefault(pid, ProcessPeak(command[:80]))
            peak.rss, peak.pss, peak.uss = (max(a, b) for a, b in zip((peak.rss, peak.pss, peak.uss), figures))
            peak.hwm = max(peak.hwm, _high_water_mark(pid) or 0.0)
            rss, pss, uss = rss + figures[0], pss + figures[1], uss + figures[2]
        self.samples += 1
        self.peak_rss, self.peak_pss, self.peak_uss = max(self.peak_rss, rss), max(self.peak_pss, pss), max(self.peak_uss, uss)
        self.most_processes = max(self.most_processes, alive)
        if alive > 1:
            self.peak_rss_with_workers = max(self.peak_rss_with_workers, rss)
            self.peak_pss_with_workers = max(self.peak_pss_with_workers, pss)
            self.peak_uss_with_workers = max(self.peak_uss_with_workers, uss)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            time.sleep(self.interval)

    def describe(self) -> str:
        """One line: the tree's peaks, then each process's."""
        parts = [
            f"tree peak RSS {self.peak_rss:.0f} MB, PSS {self.peak_pss:.0f} MB, USS {self.peak_uss:.0f} MB "
            f"({self.most_processes} processes at most, {self.samples} samples)"
        ]
        for pid, peak in self.processes.items():
            role = "parent" if pid == self.pid else "worker"
            parts.append(f"{role} {pid}: RSS {peak.rss:.0f} (VmHWM {peak.hwm:.0f}), PSS {peak.pss:.0f}, USS {peak.uss:.0f}")
        return "; ".join(parts)
