"""Importing the provider SDKs, once, apart from the program.

pulumi-aws warns at import time about the deprecated `…V2` modules it still ships. Those warnings
are the SDK's, not ours: importing first, with them silenced, leaves any later DeprecationWarning
to mean that our program used something deprecated.
"""

from __future__ import annotations

import time
import warnings


def import_provider_sdks() -> float:
    """Import every provider module the program uses; returns the seconds it took."""
    start = time.perf_counter()
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
    return time.perf_counter() - start
