"""Work set aside from the result drainers runs on threads of its own,
and a stopping engine can wait for it."""

import threading

from mistral_clone.engine import aside


def test_work_runs_and_can_be_waited_for():
    lane = aside.Aside(2)
    release = threading.Event()
    done = []

    def work(n):
        release.wait(10)
        done.append(n)
    lane.submit(work, 1)
    lane.submit(work, 2)
    assert lane.running() == 2
    assert not lane.wait_idle(0.05)
    release.set()
    assert lane.wait_idle(10)
    assert sorted(done) == [1, 2]


def test_a_failing_piece_of_work_leaves_the_rest_going(caplog):
    lane = aside.Aside(1)

    def broken():
        raise RuntimeError("boom")
    lane.submit(broken)
    assert lane.wait_idle(10)
    assert "Handling results set aside failed" in caplog.text
    done = []
    lane.submit(done.append, 3)
    assert lane.wait_idle(10) and done == [3]
