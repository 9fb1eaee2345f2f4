"""Importing the provider SDKs, once, apart from the program.

pulumi-aws warns at import time about the deprecated `…V2` modules it still ships. Those warnings
are the SDK's, not ours: importing first, with them silenced, leaves any later DeprecationWarning
to mean that our program used something deprecated.

The SDKs' modules, classes and functions, some hundred thousand objects, live as long as the process.
The cyclic collector frees none of them, yet each of its passes while they are made, and each full
pass after, walks them all: 0.19 s of this import's 0.80 s of CPU, and 0.10 s of the prod plan's 0.48 s
after it. So the collector is off while they are made, and they are frozen (`gc.freeze`) once made: it never
walks them again. Anything they drop still goes by reference counting.
"""

from __future__ import annotations

import gc
import time
import warnings

_imported = False


def import_provider_sdks() -> float:
    """Import every provider module the program uses; returns the seconds it took (0 once imported)."""
    global _imported
    if _imported:
        return 0.0  # and no second freeze, which would keep whatever garbage the process made since
    start = time.perf_counter()
    collecting = gc.isenabled()
    gc.disable()
    try:
        _import()
        gc.freeze()
    finally:
        if collecting:
            gc.enable()
    _imported = True
    return time.perf_counter() - start


def _import() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import pulumi_aws
        import pulumi_flyio
        import pulumi_github
        import pulumi_pagerduty
        import pulumi_postgresql
        import pulumi_random
        import pulumiverse_vercel

        # The SDKs load their modules lazily: touching a class runs the module's code. These are the
        # classes the program uses, so this is the cost of the SDKs it needs and nothing more.
        for module, names in (
            (pulumi_aws, "get_caller_identity_output"),
            (
                pulumi_aws.s3,
                "Bucket BucketPolicy BucketLifecycleConfigurationRuleArgs BucketReplicationConfig BucketObjectv2",
            ),
            (pulumi_aws.synthetics, "Canary"),
            (pulumi_aws.kms, "Key Alias"),
            (pulumi_aws.iam, "Role RolePolicy RolePolicyAttachment"),
            (pulumi_aws.sns, "Topic TopicPolicy TopicSubscription"),
            (
                pulumi_aws.cloudwatch,
                "MetricAlarm CompositeAlarm EventRule EventTarget LogMetricFilter Dashboard AlarmMuteRule",
            ),
            (pulumi_aws.route53, "HealthCheck"),
            (pulumi_aws.chatbot, "SlackChannelConfiguration"),
            (pulumi_random, "RandomBytes RandomPassword"),
            (pulumi_postgresql, "Provider Role Database Schema Grant DefaultPrivileges"),
            (pulumiverse_vercel, "Project ProjectEnvironmentVariable ProjectDomain"),
            (pulumi_flyio, "App Machine Secrets"),
            (pulumi_flyio.flyio, "FlyMachineConfigArgs"),
            (pulumi_github, "Provider ActionsEnvironmentSecret"),
            (
                pulumi_pagerduty,
                "Provider Schedule EscalationPolicy Service ServiceIntegration MaintenanceWindow get_user_output "
                "get_vendor_output",
            ),
        ):
            for name in names.split():
                getattr(module, name)
