"""Each control's place in the frameworks an auditor reads it against, its severity and its remediation.

The SOC 2 criteria are the 2017 Trust Services Criteria (CC6.1 logical access, CC6.3 least privilege,
CC6.7 data in transit, CC7.2 monitoring, CC8.1 change management, A1.2 recovery infrastructure); the
ISO/IEC 27001:2022 entries are Annex A controls (5.15 access control, 5.17 authentication information,
8.13 information backup, 8.15 logging, 8.16 monitoring, 8.24 use of cryptography, 8.32 change
management). The mapping is this project's reading of them, as an auditor would be shown it, not an
official crosswalk.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from policy.controls import CONTROLS, evaluate, is_production
from policy.resources import Res


@dataclass(frozen=True)
class Mapping:
    soc2: tuple[str, ...]
    iso27001: tuple[str, ...]
    severity: str  # high, medium, low
    remediation: str


MAPPINGS: dict[str, Mapping] = {
    "buckets-versioned": Mapping(("A1.2",), ("8.13",), "high", "Enable versioning (HardenedBucket does)."),
    "buckets-encrypted": Mapping(
        ("CC6.1",), ("8.24",), "high", "Set default encryption: SSE-KMS with a CMK, or AES-256."
    ),
    "buckets-private": Mapping(("CC6.1",), ("5.15",), "high", "Block all public access on the bucket."),
    "buckets-tls-only": Mapping(("CC6.7",), ("8.24",), "high", "Deny aws:SecureTransport false in the policy."),
    "buckets-lifecycle": Mapping(
        ("A1.2",), ("8.13",), "medium", "Add lifecycle rules that expire data and abort stale uploads."
    ),
    "buckets-access-logged": Mapping(("CC7.2",), ("8.15",), "low", "Send server access logs to the log bucket."),
    "stateful-protected": Mapping(
        ("CC8.1", "A1.2"), ("8.32",), "high", "Protect stateful resources in production (protect=True)."
    ),
    "kms-rotation": Mapping(("CC6.1",), ("8.24",), "high", "Turn on automatic key rotation."),
    "kms-no-wildcard-principal": Mapping(
        ("CC6.1", "CC6.3"), ("5.15",), "high", "Name every principal in the key policy."
    ),
    "sns-encrypted": Mapping(("CC6.1",), ("8.24",), "medium", "Encrypt the topic with the alerts CMK."),
    "alarms-actions-enabled": Mapping(("CC7.2",), ("8.16",), "high", "Enable the alarm's actions."),
    "no-plain-secrets-in-env": Mapping(
        ("CC6.1",), ("5.17",), "high", "Deliver the value through platform:secrets, not fly.env."
    ),
    "vercel-secrets-sensitive": Mapping(
        ("CC6.1",), ("5.17",), "high", "Mark the variable sensitive (secrets delivered by the inventory are)."
    ),
    "prod-images-pinned": Mapping(("CC8.1",), ("8.32",), "medium", "Pin the image by its @sha256 digest."),
    "iam-trust-restricted": Mapping(
        ("CC6.1", "CC6.3"), ("5.15",), "high", "Trust named principals, or tokens restricted by sub."
    ),
    "database-backed-up-and-drilled": Mapping(
        ("A1.2",),
        ("8.13",),
        "high",
        "Declare platform:backups, postgres.backupJob and postgres.restoreDrill, or postgres.recoveryElsewhere.",
    ),
    "backups-object-locked": Mapping(
        ("A1.2",), ("8.13",), "high", "Keep backups.objectLock on in production (the default)."
    ),
    "backups-replicated": Mapping(
        ("A1.2",), ("8.13",), "high", "Keep backups.replication on, to a second region (the production default)."
    ),
    "restore-drills-passed": Mapping(
        ("A1.2",), ("8.13",), "high", "Run `uv run ops restore-drill <stack>`, or schedule restoreDrill.schedule."
    ),
    "secrets-within-period": Mapping(
        ("CC6.1",), ("5.17",), "high", "Rotate it: `uv run ops rotate <stack> <SECRET>`, reviewed and applied."
    ),
    "secrets-have-period": Mapping(
        ("CC6.1",), ("5.17",), "medium", "Give it secrets.items.<NAME>.rotationDays (runbook 000: quarterly)."
    ),
}


def status(failures: list[dict[str, Any]], checked: list[str]) -> str:
    """`excepted` when every failure is under a reviewed exception still in force: reported, not passed,
    and not a failure that exits 3."""
    if failures:
        return "excepted" if all("exception" in f for f in failures) else "fail"
    return "pass" if checked else "not applicable"


def control_row(
    cid: str,
    text: str,
    mandatory: bool,
    checked: list[str],
    failures: list[dict[str, Any]],
    source: str,
    fsbp: str | None = None,
) -> dict[str, Any]:
    """A control as the audit reports it: its status from what it checked and what failed, with its place
    in the frameworks, its severity and its remediation."""
    m = MAPPINGS[cid]
    return {
        "id": cid,
        "control": text,
        "level": "mandatory" if mandatory else "advisory",
        "severity": m.severity,
        "frameworks": {"FSBP": fsbp, "SOC 2": list(m.soc2), "ISO 27001:2022": list(m.iso27001)},
        "status": status(failures, checked),
        "resources": checked,
        "failures": failures,
        "remediation": m.remediation,
        "source": source,
    }


def pack_rows(found: list[Res], source: str) -> list[dict[str, Any]]:
    """The policy pack's controls over these resources (the plan's, or the deployed stack's), one row each."""
    prod = is_production(found)
    return [
        control_row(
            c.id,
            c.description,
            c.mandatory,
            sorted(r.name for r in found if r.type in c.applies_to),
            [{"resource": v.resource, "reason": v.message} for v in evaluate(found, prod, [c])],
            source,
            c.fsbp,
        )
        for c in CONTROLS
    ]
