"""The checks every plan gets, offline or in review: stale rotations and the policy pack."""

from __future__ import annotations

import sys

from ops.commands import policy_check
from ops.commands.rotate import unchanged_values
from ops.offline.stackfile import StackFile, shown
from ops.offline.synth import Synth


def report(stack_file: StackFile, synth: Synth) -> int:
    """What `ops plan` and `ops diff` both report on stderr (so `--json` stays one document on stdout):
    provided secrets bumped without a new value, and the policy pack's violations. The exit code: 1 for
    such a bump, 3 for a mandatory violation, else 0."""
    unchanged = unchanged_values(stack_file)
    for name in unchanged:
        print(
            f"{shown(stack_file.path)}: line {stack_file.line_of(f'platform:secrets.items.{name}.rotation')}: "
            f"{name}: generation bumped, but the encrypted value is the one it replaces; "
            f"pulumi config set --secret {name} --stack {stack_file.stack}",
            file=sys.stderr,
        )
    found = policy_check.violations(synth)
    if found:
        print(
            f"Policy pack: {len(found)} violation(s), {len(policy_check.mandatory(found))} mandatory:", file=sys.stderr
        )
        print("\n".join(policy_check.as_lines(found)), file=sys.stderr)
    if unchanged:
        return 1  # a rotation that did not happen: the review of the bump fails until the value changes
    return 3 if policy_check.mandatory(found) else 0
