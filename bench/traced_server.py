"""``mistral-clone-server`` with tracemalloc on, for hunting a leak found
by the soak: each SIGUSR2 writes a snapshot of the Python allocations
still alive to ``MC_TRACEMALLOC_DIR`` (``<pid>-<n>.snap``), and
``bench/tracemalloc_diff.py`` shows what grew between two of them.

    python bench/traced_server.py --server engine --config-file mc.conf

Tracing costs CPU and memory of its own (a traceback per allocation), so
figures taken through it are not the server's; ``bench/soak.py
--traced engine1`` starts that process this way.
"""

import os
import signal
import sys
import tracemalloc

from mistral_clone.cmd import server

FRAMES = int(os.environ.get("MC_TRACEMALLOC_FRAMES", "8"))
SNAPSHOTS = os.environ.get("MC_TRACEMALLOC_DIR", ".")
_taken = [0]


def _dump(_signum, _frame) -> None:
    _taken[0] += 1
    path = os.path.join(SNAPSHOTS, "%d-%d.snap" % (os.getpid(), _taken[0]))
    tracemalloc.take_snapshot().dump(path)
    print("tracemalloc snapshot written to %s" % path, flush=True)


if __name__ == "__main__":
    tracemalloc.start(FRAMES)
    signal.signal(signal.SIGUSR2, _dump)
    sys.exit(server.main(sys.argv[1:]))
