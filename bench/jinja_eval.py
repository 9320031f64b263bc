"""Speed of typical Jinja evaluations, to see what the sandbox's checks
cost on the hot path (the engine evaluates millions of small ones).

    .venv/bin/python bench/jinja_eval.py [--rounds 20000]

Prints CPU microseconds of this process per evaluation for each
expression (best of 5 runs; CPU time, so that other processes on a busy
machine do not count).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import timeit

if __package__ in (None, ""):
    sys.path.insert(0, os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))))

from mistral_clone import expressions  # noqa: E402
from mistral_clone.expressions import opts  # noqa: E402

CONTEXT = {
    "name": "web-01", "count": 7, "hosts": ["a", "b", "c", "d"],
    "server": {"id": "42", "ip": "10.0.0.7", "tags": ["x", "y"]},
}

EXPRESSIONS = {
    "attribute": "{{ _.server.ip }}",
    "arithmetic": "{{ _.count + 1 }}",
    "concatenation": "{{ _.name ~ '-' ~ _.count }}",
    "condition": "{{ _.count > 3 and _.name == 'web-01' }}",
    "filter join": "{{ _.hosts | join(',') }}",
    "template": "host {{ _.name }} has {{ _.count }} items",
    "loop": ("{% for i in _.hosts %}{{ i ~ ':' ~ loop.index }} "
             "{% endfor %}"),
    "list append": ("{% set l = [] %}{% for i in _.hosts %}"
                    "{% set _x = l.append(i * 2) %}{% endfor %}"
                    "{{ l | length }}"),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=20000)
    args = parser.parse_args()
    opts.register_opts()
    scope = expressions.prepare_context(CONTEXT)
    for label, text in EXPRESSIONS.items():
        expressions.evaluate(text, scope)    # compiled once, cached
        timer = timeit.Timer(lambda: expressions.evaluate(text, scope),
                             timer=time.process_time)
        best = min(timer.repeat(number=args.rounds, repeat=5))
        print("%-14s %7.2f us" % (label, best / args.rounds * 1e6))


if __name__ == "__main__":
    main()
