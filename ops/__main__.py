"""`python -m ops plan <stack|path>`, `python -m ops rotate <SECRET> --stack <stack|path>` and
`python -m ops restore-drill --stack <stack|path>`."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from components.shared.loader import ConfigError
from ops.offline.stackfile import StackFile, StackFileError

if TYPE_CHECKING:
    from ops.offline.synth import Synth


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from exc


def config_error_lines(error: ConfigError, stack_file: StackFile) -> list[str]:
    """Each problem as `Pulumi.<stack>.yaml: line N: key: what is wrong`."""
    name = stack_file.path.name
    lines = [f"{name}: stack {error.stack!r} cannot be deployed; no resource was registered."]
    lines += [f"{name}: line {stack_file.line_of(p.key)}: {p}" for p in error.problems]
    for secret in error.missing:
        key = f"platform:secrets.items.{secret}"
        lines.append(
            f"{name}: line {stack_file.line_of(key)}: {key}: no value set; run "
            f"`pulumi config set --secret {secret} --stack {error.stack}`"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ops", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("plan", help="offline plan of a stack: the resource tree under mocks")
    p.add_argument("stack", help="a stack name (prod) or a stack file's path (Pulumi.x-prod.yaml)")
    p.add_argument("--json", action="store_true", help="one JSON object per resource")
    p.add_argument("--today", type=_date, help="judge secret staleness on this date (default: today)")
    p.add_argument("--diff", metavar="GIT_REF", help="only what changes against the plan at this git ref")
    r = sub.add_parser("rotate", help="rotate secrets: a one-line change to the stack file")
    r.add_argument("secrets", nargs="*", metavar="SECRET")
    r.add_argument("--stack", required=True, help="a stack name or a stack file's path")
    r.add_argument("--due", action="store_true", help="every secret past its rotation period")
    r.add_argument("--today", type=_date, help="the rotation date (default: today)")
    r.add_argument("--pr-body", type=Path, metavar="FILE", help="also write a pull request description there")
    r.add_argument(
        "--force",
        action="store_true",
        help="emergency path for a compromised secret: rotate even inside the overlap of the last rotation",
    )
    d = sub.add_parser("restore-drill", help="restore the newest backup into a scratch database and check it")
    d.add_argument("--stack", required=True, help="a stack name or a stack file's path")
    d.add_argument("--bucket", help="the backup bucket (default: pulumi stack output backupBucket)")
    d.add_argument("--target-url", help="a server where the drill may create a database (or DRILL_DATABASE_URL)")
    a = sub.add_parser("audit", help="the auditor's report: controls, secrets' ages, roles, recovery, history")
    a.add_argument("stack", help="a stack name or a stack file's path")
    a.add_argument("--format", choices=("markdown", "json"), default="markdown")
    a.add_argument("--today", type=_date, help="judge secrets' ages on this date (default: today)")
    v = sub.add_parser("verify", help="after pulumi up: fetch each declared health check (status, text, latency)")
    v.add_argument("stack", help="a stack name or a stack file's path")
    v.add_argument("--via", metavar="URL", help="send each check's path to this address instead (a tunnel)")
    args = parser.parse_args(argv)

    if args.command == "plan":
        if args.diff:
            return _diff(args.stack, args.diff, args.json, args.today or dt.date.today())
        return _plan(args.stack, args.json, args.today)
    if args.command == "audit":
        return _audit(args.stack, args.format, args.today or dt.date.today())
    if args.command == "restore-drill":
        return _restore_drill(args.stack, args.bucket, args.target_url)
    if args.command == "verify":
        return _verify(args.stack, args.via)
    from ops.commands.rotate import RotateError, rotate

    try:
        on = args.today or dt.date.today()
        for line in rotate(args.stack, args.secrets, due=args.due, on=on, force=args.force, pr_body=args.pr_body):
            print(line)
    except (RotateError, StackFileError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


def _audit(stack: str, fmt: str, today: dt.date) -> int:
    from ops.commands.audit import as_markdown, audit
    from ops.offline.synth import load_stack_file

    try:
        stack_file = load_stack_file(stack)
        report = audit(stack_file, today)
    except ConfigError as exc:
        print("\n".join(config_error_lines(exc, stack_file)), file=sys.stderr)
        return 1
    except (StackFileError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(report, indent=2) if fmt == "json" else as_markdown(report), end="")
    return 0


def _verify(stack: str, via: str | None) -> int:
    from ops.commands.verify import verify
    from ops.offline.synth import config_of, load_stack_file

    try:
        stack_file = load_stack_file(stack)
        cfg = config_of(stack_file, dt.date.today())
    except ConfigError as exc:
        print("\n".join(config_error_lines(exc, stack_file)), file=sys.stderr)
        return 1
    except (StackFileError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    outcomes = verify(cfg, via)
    if not outcomes:
        print(f"stack {stack_file.stack!r} declares no alerts.healthChecks: nothing to verify")
    for outcome in outcomes:
        print(outcome.line())
    return 0 if all(o.ok for o in outcomes) else 1


def _restore_drill(stack: str, bucket: str | None, target_url: str | None) -> int:
    from jobs.common import Stopped
    from ops.commands.drill import DrillError, restore_drill
    from ops.offline.synth import load_stack_file

    try:
        print(restore_drill(load_stack_file(stack), bucket, target_url, dt.datetime.now(dt.UTC)))
    except Stopped as stop:
        print(f"restore drill stopped by {stop.name}: the scratch database dropped", file=sys.stderr)
        return stop.exit_code
    except (DrillError, StackFileError, FileNotFoundError) as exc:
        print(f"restore drill failed: {exc}", file=sys.stderr)
        return 1
    return 0


def _diff(stack: str, ref: str, as_json: bool, today: dt.date) -> int:
    from concurrent.futures import ThreadPoolExecutor

    from ops.commands import diff
    from ops.commands import plan as plan_output
    from ops.offline.synth import load_stack_file, synthesize_file

    try:
        stack_file = load_stack_file(stack)
        # The ref's plan runs in its own interpreter; it runs while this one synthesizes the working tree's.
        with ThreadPoolExecutor(max_workers=1) as pool:
            at_ref = pool.submit(diff.plan_at, ref, stack_file.path, today.isoformat())
            synth = synthesize_file(stack_file, today=today)
            after = json.loads(plan_output.as_json(synth))
            before = at_ref.result()
    except ConfigError as exc:
        print("\n".join(config_error_lines(exc, stack_file)), file=sys.stderr)
        return 1
    except (StackFileError, FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    result = diff.compare(before, after)
    print(diff.as_json(result) if as_json else diff.as_text(result, stack_file.stack, ref))
    # A fork's pull request gets no `pulumi preview`: the policy pack runs here, on the new plan.
    checked = _checks(stack_file, synth)
    return 2 if result.dangerous else checked


def _plan(stack: str, as_json: bool, today: dt.date | None) -> int:
    from ops.commands import plan as plan_output
    from ops.offline.synth import load_stack_file, synthesize_file

    try:
        stack_file = load_stack_file(stack)
    except (StackFileError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    try:
        synth = synthesize_file(stack_file, today=today)
    except ConfigError as exc:
        print("\n".join(config_error_lines(exc, stack_file)), file=sys.stderr)
        return 1
    print(plan_output.as_json(synth) if as_json else plan_output.as_text(synth, stack_file.path.name))
    return _checks(stack_file, synth)


def _checks(stack_file: StackFile, synth: Synth) -> int:
    """What `ops plan` and its `--diff` both report on stderr (so `--json` stays one document on stdout):
    provided secrets bumped without a new value, and the policy pack's violations. The exit code: 1 for
    such a bump, 3 for a mandatory violation, else 0."""
    from ops.commands.policy_check import as_lines, mandatory, violations
    from ops.commands.rotate import unchanged_values

    unchanged = unchanged_values(stack_file)
    for name in unchanged:
        print(
            f"{stack_file.path.name}: line {stack_file.line_of(f'platform:secrets.items.{name}.rotation')}: "
            f"{name}: generation bumped, but the encrypted value is the one it replaces; "
            f"pulumi config set --secret {name} --stack {stack_file.stack}",
            file=sys.stderr,
        )
    found = violations(synth)
    if found:
        print(f"Policy pack: {len(found)} violation(s), {len(mandatory(found))} mandatory:", file=sys.stderr)
        print("\n".join(as_lines(found)), file=sys.stderr)
    if unchanged:
        return 1  # a rotation that did not happen: the review of the bump fails until the value changes
    return 3 if mandatory(found) else 0


if __name__ == "__main__":
    sys.exit(main())
