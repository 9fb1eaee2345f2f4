"""The audit report as Markdown: the summary first, then the findings, then the evidence, each row tagged
with its source."""

from __future__ import annotations

import json
from typing import Any


def _j(value: Any) -> str:
    return f"`{json.dumps(value, sort_keys=True)}`"


def _roles(title: str, roles: list[dict[str, Any]]) -> list[str]:
    lines = ["", f"## {title}", "", "| role | may be assumed by | under | may do | source |", "|---|---|---|---|---|"]
    for r in roles:
        may = [f"{p['effect']} {_j(p['actions'])} on {_j(p['resources'])}" for p in r["permissions"]]
        may += [f"managed policy `{arn}`" for arn in r["managedPolicies"]]
        if r["boundary"]:
            may.append(f"within boundary `{r['boundary']}`")
        for t in r["trust"]:
            lines.append(
                f"| {r['role']} | {_j(t['principal'])} | {_j(t['condition'])} | {'<br>'.join(may) or '-'} | "
                f"{r['source']} |"
            )
    return lines


def _live(live: dict[str, Any]) -> list[str]:
    lines = [
        "",
        "## Live evidence (read from the AWS account)",
        "",
        "| key | region | rotation | rotations | last | source |",
    ]
    lines += ["|---|---|---|---|---|---|"]
    for k in live["keys"]:
        if "error" in k:
            lines.append(f"| {k['alias']} | - | {k['error']} | - | - | live |")
        else:
            on = "enabled" if k["rotationEnabled"] else "OFF"
            lines.append(
                f"| {k['alias']} | {k['region']} | {on} | {k['rotations']} | {k['lastRotation'] or '-'} | live |"
            )
    if "backups" in live:
        b = live["backups"]
        lines += ["", f"Backups in `{b['bucket']}` ({b['region']}) [live]:", ""]
        if "error" in b:
            lines.append(f"- {b['error']}")
        for o in b.get("newest", []):
            rpo = "within the RPO" if o["withinRpo"] else "OLDER THAN THE RPO"
            lines.append(
                f"- `{o['key']}`: {o['ageHours']} h old ({rpo}), {o['bytes']} bytes, {o['encryption']} "
                f"{o['kmsKey'] or ''}, replication {o['replication'] or '-'}"
            )
        lines += [f"- object lock: {_j(b.get('objectLock'))}", f"- replication: {_j(b.get('replication'))}"]
        lines += ["", "Restore drills [live]:", ""]
        lines += [
            f"- {d['at']}: {d['outcome']}" + (f" ({d['reason']})" if d.get("reason") else "") + f", `{d['key']}`"
            for d in live["drills"]
        ] or ["- none recorded"]
    if "freshnessAlarm" in live:
        a = live["freshnessAlarm"]
        lines += ["", f"Backup-freshness alarm `{a['alarm']}` [live]: {a.get('state', a.get('error'))}"]
        if "since" in a:
            lines[-1] += f" since {a['since']}; history: {_j(a['history'])}"
    return lines


def _deployed(d: dict[str, Any]) -> list[str]:
    failed = [c for c in d["controls"] if c["status"] == "fail"]
    lines = ["", "## The deployed stack (pulumi stack export)", ""]
    lines += [f"- {d['resources']} deployed resources; {len(failed)} control(s) fail on them [state]"]
    lines += [f"- `{c['id']}` fails: {_j(c['failures'])} [state]" for c in failed]
    lines += ["", "Drift between the code and the deployed stack [state]:", ""]
    lines += [
        f"- {x['resource']}: {x['what']}" + (f" ({', '.join(x['fields'])})" if x["fields"] else "") for x in d["drift"]
    ]
    lines += [] if d["drift"] else ["- none"]
    return lines


def as_markdown(report: dict[str, Any]) -> str:
    r, s = report["report"], report["summary"]
    dirty = {True: "yes", False: "no", None: "-"}[r["uncommittedChanges"]]
    lines = [f"# Audit of stack `{report['stack']}` ({report['environment']})", ""]
    lines += [
        f"- Stack file: `{report['stackFile']}`",
        f"- Commit: `{r['commit'] or '-'}`; uncommitted changes: {dirty}",
        f"- Generated at {r['generatedAt']}; judged on {r['judgedOn']}"
        + (f" (`--today {r['todayOverride']}`)" if r["todayOverride"] else ""),
        "- Sources: `code` is the offline plan of the stack file and the program (what `pulumi up` would "
        "declare), `git` the repository's history"
        + (", `live` the AWS account, read-only." if report.get("live") else "; no cloud was read."),
        "",
        "## Summary",
        "",
        "| controls | passed | mandatory failed | advisory failed | excepted | not applicable |",
        "|---|---|---|---|---|---|",
        f"| {s['controls']} | {s['passed']} | {s['mandatoryFailed']} | {s['advisoryFailed']} | {s['excepted']} | "
        f"{s['notApplicable']} |",
        "",
        "## Findings",
        "",
    ]
    failed = [c for c in report["controls"] if c["status"] in ("fail", "excepted")]
    if not failed:
        lines.append("No control fails.")
    for c in failed:
        under = ", under a reviewed exception" if c["status"] == "excepted" else ""
        lines += [f"### {c['control']} ({c['level']}, severity {c['severity']}{under})", ""]
        lines += [f"- `{f['resource']}`: {f['reason']}" for f in c["failures"]]
        lines += [f"- Remediation: {c['remediation']}", ""]
    lines += ["", "## Controls", ""]
    lines += ["| control | level | severity | FSBP | SOC 2 | ISO 27001:2022 | status | resources | source |"]
    lines += ["|---|---|---|---|---|---|---|---|---|"]
    for c in report["controls"]:
        f = c["frameworks"]
        lines.append(
            f"| {c['control']} | {c['level']} | {c['severity']} | {f['FSBP'] or '-'} | {', '.join(f['SOC 2'])} | "
            f"{', '.join(f['ISO 27001:2022'])} | {c['status']} | {', '.join(c['resources']) or '-'} | {c['source']} |"
        )
    lines += [
        "",
        "## Secrets",
        "",
        "| secret | kind | generation | last rotated | age (days) | period | status | source |",
    ]
    lines += ["|---|---|---|---|---|---|---|---|"]
    for x in report["secrets"]:
        period = f"{x['rotationDays']} d" if x["rotationDays"] else "on demand"
        lines.append(
            f"| {x['name']} | {x['kind']} | {x['generation']} | {x['lastRotated']} | {x['ageDays']} | {period} | "
            f"{x['status']} | {x['source']} |"
        )
    lines += _roles("Roles and what they may do", report["roles"])
    lines += _roles("Bootstrap roles (bootstrap/Pulumi.ci.yaml, the most privileged)", report["bootstrapRoles"])
    lines += ["", "## PostgreSQL logins", "", "| login | member of | may | source |", "|---|---|---|---|"]
    for login in report["logins"]:
        may = [
            f"{', '.join(g['privileges']) or 'nothing'} on {g['on']}" + (f" in `{g['schema']}`" if g["schema"] else "")
            for g in login["grants"]
        ]
        lines.append(f"| {login['login']} | {', '.join(login['memberOf']) or '-'} | {'<br>'.join(may)} | code |")
    lines += ["", "## Recovery", ""]
    lines += [f"- {k}: {v if v is not None else '-'}" for k, v in report["recovery"].items() if k != "source"]
    lines += [f"- source: {report['recovery']['source']}"]
    lines += ["", "## Change management", "", "| date | author | commit | pull request | subject | changes | source |"]
    lines += ["|---|---|---|---|---|---|---|"]
    for h in report["history"]:
        kinds = sorted({c["kind"] for c in h["changes"]}) or [f"{len(h['files'])} file(s) of the program"]
        pr = f"#{h['pullRequest']}" if h["pullRequest"] else "-"
        lines.append(
            f"| {h['date'][:10]} | {h['author']} | {h['commit']} | {pr} | {h['subject'][:72]} | {', '.join(kinds)} | "
            f"{h['source']} |"
        )
    if report.get("live"):
        lines += _live(report["live"])
    if report.get("deployed"):
        lines += _deployed(report["deployed"])
    if report.get("updates") is not None:
        lines += [
            "",
            "## Updates (pulumi stack history)",
            "",
            "| version | kind | started | result | changes | commit | flags | source |",
        ]
        lines += ["|---|---|---|---|---|---|---|---|"]
        for u in report["updates"]:
            changes = ", ".join(f"{k} {v}" for k, v in sorted(u["resourceChanges"].items())) or "-"
            commit = f"`{u['commit'][:12]}` {u['commitSubject'] or ''}".strip() if u["commit"] else "-"
            lines.append(
                f"| {u['version']} | {u['kind']} | {u['startTime']} | {u['result']} | {changes} | {commit} | "
                f"{'; '.join(u['flags']) or '-'} | state |"
            )
    if report["lateRecords"]:
        lines += ["", "### Rotation records committed after the date they claim", ""]
        lines += [
            f"- {x['secret']}: lastRotated {x['lastRotated']}, first committed {x['committed']} in {x['firstCommit']} "
            f"({x['daysLate']} days later) [git]"
            for x in report["lateRecords"]
        ]
    return "\n".join(lines) + "\n"
