"""The engine and executor the functional tests share, started on first
use and stopped as soon as a test that does not use them comes up.

Starting them once per worker saves seconds per test, but with xdist a
worker runs files of every kind: services left running past the last
functional test would beat and listen into the next unit or API test
(its fake engine recorded their heartbeats; a second engine took its
messages). So they run only around the tests that ask for them.
"""

_started: list = []


def ensure_running() -> None:
    if _started:
        return
    from mistral_clone import config
    from mistral_clone.engine import service as engine_service
    from mistral_clone.executor import service as executor_service
    config.parse_args([])
    _started.append(engine_service.start(recover=False))
    _started.append(executor_service.start())


def stop() -> None:
    if not _started:
        return
    from mistral_clone.rpc import clients
    try:
        while _started:
            _started.pop().stop()
    finally:
        clients.cleanup()
