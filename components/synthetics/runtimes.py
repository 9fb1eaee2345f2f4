"""The Synthetics runtimes this project accepts, kept in one place.

From AWS's "Runtime versions using Node.js and Puppeteer" (CloudWatch_Synthetics_Library_nodejs_puppeteer)
and "Runtime versions support policy" (CloudWatch_Synthetics_Runtime_Support_Policy), read 2026-12-02.
Synthetics refuses to create a canary on a deprecated runtime. The handler in canaries/ requires
`@aws/synthetics-puppeteer`, the namespace of syn-nodejs-puppeteer-13.1 and later, and is packaged at
the archive's root, which 11.0 and later accept; so only those runtimes are current here.
"""

from __future__ import annotations

PINNED = "syn-nodejs-puppeteer-15.0"  # "the most recent Synthetics runtime for Node.js and Puppeteer"
CURRENT = ("syn-nodejs-puppeteer-13.1", PINNED)
# runtime -> the day AWS deprecated it (the support policy's table)
DEPRECATED = {
    "syn-nodejs-puppeteer-7.0": "2026-01-22",
    "syn-nodejs-puppeteer-6.2": "2026-01-22",
    "syn-nodejs-puppeteer-5.2": "2026-01-22",
    "syn-nodejs-puppeteer-6.1": "2024-03-08",
    "syn-nodejs-puppeteer-6.0": "2024-03-08",
    "syn-nodejs-puppeteer-5.1": "2024-03-08",
    "syn-nodejs-puppeteer-5.0": "2024-03-08",
    "syn-nodejs-puppeteer-4.0": "2024-03-08",
    "syn-nodejs-puppeteer-3.9": "2024-01-08",
    "syn-nodejs-puppeteer-3.8": "2024-01-08",
}


def runtime_problem(runtime: str) -> str | None:
    if runtime in CURRENT:
        return None
    allowed = ", ".join(CURRENT)
    if runtime in DEPRECATED:
        return f"{runtime} was deprecated on {DEPRECATED[runtime]}: Synthetics creates no canary on it; use {allowed}"
    return f"{runtime!r} is not a runtime the canaries here run on; use {allowed}"
