"""`python -m ops verify <stack>` against a local HTTP server that answers well, slowly, wrongly, or not at all."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from components.shared.stack import StackConfig
from ops.__main__ import main
from ops.commands.verify import limit_ms, verify
from tests.helpers import in_process, load_with

# prod's api check, with the search string the flashfusion checks use
API = {"name": "api", "url": "https://learning-accelerator-api.fly.dev/health", "searchString": '"status": "healthy"'}
ANSWERS: dict[str, tuple[int, str, float]] = {}  # path -> (status, body, delay s)


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        status, body, delay = ANSWERS.get(self.path, (404, "no such path", 0.0))
        time.sleep(delay)
        try:
            self.send_response(status)
            self.end_headers()
            self.wfile.write(body.encode())
        except (BrokenPipeError, ConnectionResetError):
            pass  # a check that timed out has hung up: that is what the slow answer tests

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    # shutdown() waits for the loop's next poll: 0.5 s by default, at every test's teardown
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()
    ANSWERS.clear()


def api_only() -> StackConfig:
    return load_with("prod", {"platform:alerts": {"healthChecks": [API]}})


def api_with_a_latency_slo_of_100_ms() -> StackConfig:
    """prod's api check with its latency SLO at 100 ms: a slow answer times out in 0.1 s, three times."""
    latency = {
        "name": "latency",
        "target": 95,
        "thresholdMs": 100,
        "latency": {"namespace": "LearningAccelerator", "name": "RequestLatency"},
        "runbook": "p95 < 100 ms",
    }
    return load_with("prod", {"platform:alerts": {"healthChecks": [API], "slos": [latency]}})


def test_a_check_waits_as_long_as_the_strictest_latency_slo_allows() -> None:
    assert (limit_ms(api_only()), limit_ms(api_with_a_latency_slo_of_100_ms())) == (500, 100)  # prod's: 500 ms


def test_every_declared_check_passes_in_one_attempt(server: str) -> None:
    ANSWERS["/health"] = (200, '{"status": "healthy"}', 0.0)
    ANSWERS["/"] = (200, "<html>", 0.0)
    ran = in_process(main, ["verify", "prod", "--via", server])
    assert ran.returncode == 0, ran.stdout + ran.stderr
    lines = ran.stdout.splitlines()
    assert [line.split(":")[0] for line in lines] == [
        "ok   api https",
        "ok   frontend https",
    ]
    assert lines[0].startswith("ok   api https://learning-accelerator-api.fly.dev/health: HTTP 200 in ")


@pytest.mark.parametrize(
    ("answer", "detail"),
    [
        ((503, "down", 0.0), "HTTP 503"),
        ((200, '{"status": "degraded"}', 0.0), 'HTTP 200, but the body lacks \'"status": "healthy"\''),
        ((200, '{"status": "healthy"}', 0.3), "no answer within 100 ms"),
    ],
    ids=["error status", "wrong body", "slower than the latency SLO"],
)
def test_a_bad_answer_is_tried_three_times_then_fails(server: str, answer: tuple[int, str, float], detail: str) -> None:
    ANSWERS["/health"] = answer
    slept: list[float] = []
    (outcome,) = verify(api_with_a_latency_slo_of_100_ms(), server, sleep=slept.append)
    assert (outcome.ok, outcome.detail, outcome.attempts, slept) == (False, detail, 3, [2, 4])
    assert outcome.line() == f"FAIL api https://learning-accelerator-api.fly.dev/health: {detail} (3 attempts)"


def test_nobody_listening_fails_with_one_line_and_exit_1() -> None:
    slept: list[float] = []
    (outcome,) = verify(api_only(), "http://127.0.0.1:1", sleep=slept.append)
    assert (outcome.ok, outcome.attempts, slept) == (False, 3, [2, 4])
    assert outcome.detail.startswith("no answer (")


def test_a_stack_without_health_checks_has_nothing_to_verify() -> None:
    assert verify(load_with("prod", {"platform:alerts": {"healthChecks": [], "slos": []}})) == []
