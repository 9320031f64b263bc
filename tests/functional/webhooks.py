"""A webhook receiver on loopback for the notification tests: it can be
down (503) for its first requests or until told otherwise, and keeps every
request and the events it accepted."""

import http.server
import json
import threading

WF = """
version: '2.0'
wf:
  tasks:
    first:
      action: std.sleep seconds=1
      on-complete: [second]
    second:
      action: std.noop
"""

# What WF sends, in order: (event, name).
WF_EVENTS = [("WORKFLOW_LAUNCHED", "wf"), ("TASK_LAUNCHED", "first"),
             ("TASK_SUCCEEDED", "first"), ("TASK_LAUNCHED", "second"),
             ("TASK_SUCCEEDED", "second"), ("WORKFLOW_SUCCEEDED", "wf")]


class Receiver:
    """``failures`` first requests are answered 503; while ``down`` every
    request is. ``accepted``: the bodies answered 200, in arrival order."""

    def __init__(self, failures: int = 0):
        self.failures = failures
        self.down = False
        self.requests = []
        self.accepted = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the stdlib's name
                body = json.loads(self.rfile.read(
                    int(self.headers["Content-Length"])))
                self.send_response(receiver._answer(body))
                self.end_headers()

            def log_message(self, *args):
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                                       Handler)
        self.url = "http://127.0.0.1:%d/hook" % self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        daemon=True)

    def _answer(self, body) -> int:
        with self._lock:
            self.requests.append(body)
            if self.down or len(self.requests) <= self.failures:
                return 503
            self.accepted.append(body)
            return 200

    def start(self) -> "Receiver":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def events_of(self, wf_ex_id: str) -> list:
        """(event, name) of the accepted events of one execution."""
        with self._lock:
            accepted = list(self.accepted)
        return [(b["event"], b["name"]) for b in accepted
                if wf_ex_id in (b.get("workflow_execution_id"), b["id"])]

    def tried(self) -> int:
        with self._lock:
            return len(self.requests)
