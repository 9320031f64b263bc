"""What grew between two tracemalloc snapshots of ``bench/traced_server.py``:

    python bench/tracemalloc_diff.py OLD.snap NEW.snap [--top 25]
        [--group traceback|lineno|filename]
"""

import argparse
import sys
import tracemalloc


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="bench/tracemalloc_diff.py")
    p.add_argument("old")
    p.add_argument("new")
    p.add_argument("--top", type=int, default=25)
    p.add_argument("--group", default="lineno",
                   choices=["traceback", "lineno", "filename"])
    args = p.parse_args(argv)
    # Tracing's own allocations are not the server's.
    ignore = [tracemalloc.Filter(False, tracemalloc.__file__),
              tracemalloc.Filter(False, "<frozen importlib._bootstrap>")]
    old = tracemalloc.Snapshot.load(args.old).filter_traces(ignore)
    new = tracemalloc.Snapshot.load(args.new).filter_traces(ignore)
    stats = new.compare_to(old, args.group)
    total = sum(s.size_diff for s in stats)
    print("total growth: %+.1f KB in %+d blocks" % (
        total / 1024, sum(s.count_diff for s in stats)))
    for stat in stats[:args.top]:
        frame = stat.traceback[-1]      # the most recent frame
        print("%+9.1f KB %+7d blocks  %s:%s" % (
            stat.size_diff / 1024, stat.count_diff, frame.filename,
            frame.lineno))
        if args.group == "traceback":
            for line in stat.traceback.format(most_recent_first=True):
                print("        " + line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
