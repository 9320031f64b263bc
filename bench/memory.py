"""Peak resident memory of the server under test, sampled from /proc.

The processes are given by pid or by a regular expression over their
command lines (``pgrep -f`` style); their descendants are included and
re-discovered at every sample, so worker processes forked during the run
count too. The bench itself (and its parents, whose command lines carry
the pattern) is never counted.
"""

from __future__ import annotations

import os
import re
import threading
import time
from typing import Dict, Iterable, List, Optional, Set

PROC = "/proc"


def _read(path: str) -> Optional[str]:
    try:
        with open(path, "rb") as fh:
            return fh.read().decode("utf-8", "replace")
    except OSError:
        return None


def _all_pids() -> List[int]:
    return [int(name) for name in os.listdir(PROC) if name.isdigit()]


def command_line(pid: int) -> str:
    return (_read("%s/%d/cmdline" % (PROC, pid)) or "").replace(
        "\0", " ").strip()


def parent_of(pid: int) -> Optional[int]:
    stat = _read("%s/%d/stat" % (PROC, pid))
    if not stat:
        return None
    # The command name is in parentheses and may hold spaces or ')'.
    fields = stat[stat.rfind(")") + 2:].split()
    return int(fields[1]) if len(fields) > 1 else None


def _own_lineage() -> Set[int]:
    pids = set()
    pid: Optional[int] = os.getpid()
    while pid and pid not in pids:
        pids.add(pid)
        pid = parent_of(pid)
    return pids


def find_pids(pattern: str) -> List[int]:
    """Pids whose command line matches ``pattern``, minus our own lineage."""
    regex = re.compile(pattern)
    skip = _own_lineage()
    found = []
    for pid in _all_pids():
        if pid in skip:
            continue
        cmdline = _read("%s/%d/cmdline" % (PROC, pid))
        if cmdline and regex.search(cmdline.replace("\0", " ")):
            found.append(pid)
    return sorted(found)


def with_descendants(roots: Iterable[int]) -> Set[int]:
    children: Dict[int, List[int]] = {}
    for pid in _all_pids():
        ppid = parent_of(pid)
        if ppid is not None:
            children.setdefault(ppid, []).append(pid)
    result: Set[int] = set()
    stack = list(roots)
    while stack:
        pid = stack.pop()
        if pid in result:
            continue
        result.add(pid)
        stack.extend(children.get(pid, ()))
    return result


def rss_kb(pid: int) -> int:
    """VmRSS of one process in KiB; 0 when it is gone or a kernel thread."""
    status = _read("%s/%d/status" % (PROC, pid))
    if not status:
        return 0
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


class RssSampler:
    """Samples the summed RSS of a process tree on a background thread.

    ``mark(name)`` starts a new named window; ``peaks_mb`` gives the peak of
    each window and ``peak_mb`` the peak of the whole run.
    """

    def __init__(self, pids: Iterable[int] = (), pattern: str = "",
                 interval: float = 0.2):
        self.roots = list(pids)
        self.pattern = pattern
        self.interval = interval
        self.peak_kb = 0
        self.first_kb: Optional[int] = None
        self.samples = 0
        self.window: Optional[str] = None
        self.window_peak_kb: Dict[str, int] = {}
        self.process_count = 0
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._loop, daemon=True,
                                        name="rss-sampler")

    def resolve_roots(self) -> List[int]:
        roots = set(self.roots)
        if self.pattern:
            roots.update(find_pids(self.pattern))
        return sorted(roots)

    def sample(self) -> int:
        pids = with_descendants(self.resolve_roots())
        total = sum(rss_kb(pid) for pid in pids)
        with self._lock:
            self.samples += 1
            self.process_count = max(self.process_count, len(pids))
            if self.first_kb is None:
                self.first_kb = total
            self.peak_kb = max(self.peak_kb, total)
            if self.window:
                self.window_peak_kb[self.window] = max(
                    self.window_peak_kb.get(self.window, 0), total)
        return total

    def mark(self, window: Optional[str]) -> None:
        with self._lock:
            self.window = window
        if window:
            self.sample()

    def _loop(self) -> None:
        while not self._stop.is_set():
            started = time.monotonic()
            self.sample()
            self._stop.wait(max(0.0, self.interval -
                                (time.monotonic() - started)))

    def start(self) -> "RssSampler":
        self.sample()
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()

    def peaks_mb(self) -> Dict[str, float]:
        with self._lock:
            return {name: round(kb / 1024.0, 1)
                    for name, kb in self.window_peak_kb.items()}

    def summary(self) -> dict:
        with self._lock:
            return {
                "peak_mb": round(self.peak_kb / 1024.0, 1),
                "start_mb": round((self.first_kb or 0) / 1024.0, 1),
                "max_processes": self.process_count,
                "samples": self.samples,
                "interval_s": self.interval,
            }
