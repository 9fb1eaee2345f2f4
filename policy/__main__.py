"""The CrossGuard pack: `pulumi preview --policy-pack policy`. Each control of controls.py is one stack policy.

Never import this module in tests: constructing PolicyPack starts the policy server and blocks.
"""

import sys
from pathlib import Path

from pulumi_policy import EnforcementLevel, PolicyPack, StackValidationPolicy

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository, for components.shared

from policy.pack import policies

PolicyPack(
    name="platform-runbook-controls",
    enforcement_level=EnforcementLevel.MANDATORY,
    policies=policies(StackValidationPolicy, EnforcementLevel),
)
