"""`ops verify <stack>`: after `pulumi up`, the stack's declared health checks, tried for real.

Runbook 004's flow is staging, smoke tests, prod, health validation. Each `alerts.healthChecks` entry is
fetched: the status must be 2xx, the body must hold its `searchString`, and the answer must come within
the stack's latency SLO threshold (its strictest `thresholdMs`; 10 s without one). A failed check is
tried again after 2 and 4 s. One line per check; exit 1 when any failed.
"""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from components.alerting.config import HealthCheck
from components.shared.stack import StackConfig

ATTEMPTS = 3
DEFAULT_LIMIT_MS = 10_000


@dataclass(frozen=True)
class Outcome:
    name: str
    url: str
    ok: bool
    detail: str
    attempts: int

    def as_dict(self) -> dict[str, object]:
        return {"name": self.name, "url": self.url, "ok": self.ok, "detail": self.detail, "attempts": self.attempts}

    def line(self) -> str:
        tries = f" ({self.attempts} attempts)" if self.attempts > 1 else ""
        return f"{'ok  ' if self.ok else 'FAIL'} {self.name} {self.url}: {self.detail}{tries}"


def limit_ms(cfg: StackConfig) -> int:
    thresholds = [s.threshold_ms for s in cfg.alerts.slos if s.threshold_ms] if cfg.alerts else []
    return min(thresholds, default=DEFAULT_LIMIT_MS)


def target(url: str, via: str | None) -> str:
    """The check's URL, or the same path sent to `via` (a tunnel, or a test server)."""
    if via is None:
        return url
    parts, base = urlsplit(url), urlsplit(via)
    return urlunsplit((base.scheme, base.netloc, parts.path, parts.query, ""))


def once(check: HealthCheck, url: str, limit: int) -> tuple[bool, str]:
    started = time.monotonic()
    try:
        with urllib.request.urlopen(url, timeout=limit / 1000) as answer:
            body = answer.read(1024 * 1024).decode(errors="replace")
            status = answer.status
    except urllib.error.HTTPError as exc:
        return False, f"HTTP {exc.code}"
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        return False, f"no answer within {limit} ms" if isinstance(reason, TimeoutError) else f"no answer ({reason})"
    took = (time.monotonic() - started) * 1000
    if not 200 <= status < 300:
        return False, f"HTTP {status}"
    if check.search_string and check.search_string not in body:
        return False, f"HTTP {status}, but the body lacks {check.search_string!r}"
    if took > limit:
        return False, f"HTTP {status} in {took:.0f} ms, over the latency SLO's {limit} ms"
    return True, f"HTTP {status} in {took:.0f} ms"


def verify(cfg: StackConfig, via: str | None = None, sleep: Callable[[float], None] = time.sleep) -> list[Outcome]:
    limit = limit_ms(cfg)
    outcomes = []
    for check in cfg.alerts.health_checks if cfg.alerts else []:
        url = target(check.url, via)
        for attempt in range(1, ATTEMPTS + 1):
            ok, detail = once(check, url, limit)
            if ok or attempt == ATTEMPTS:
                break
            sleep(2**attempt)  # 2, then 4 s
        outcomes.append(Outcome(check.name, check.url, ok, detail, attempt))
    return outcomes
