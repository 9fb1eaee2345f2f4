"""CloudWatch Synthetics canaries for the golden paths, their artifacts bucket, role and alarms."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.alerting.config import ALERTS_REGION, alarm_name
from components.alerting.routing import notify
from components.backups.hardened_bucket import HardenedBucket, HardenedBucketArgs
from components.backups.lifecycle import AccessLogArgs, access_logs, expiry_rule
from components.shared.policies import document, service_trust
from components.shared.roles import bounded
from components.synthetics.config import SCRIPTS, SyntheticsConfig

RUNS = "runs/"  # the runs' artifacts, expired after artifactDays
CODE = "code/"  # each canary's archive, kept while the canary uses it
NAMESPACE = "CloudWatchSynthetics"


@dataclass(frozen=True, kw_only=True)
class SyntheticsArgs:
    app: str
    environment: str
    synthetics: SyntheticsConfig
    account_id: pulumi.Input[str]
    kms_key_arn: pulumi.Input[str]  # the alerts key (us-east-1): artifacts are monitoring data
    topic_arns: Mapping[str, pulumi.Output[str]]
    secrets: Mapping[str, pulumi.Output[str]]  # provided secret name -> value, for secretEnv
    tags: dict[str, str]
    protect: bool


def archive(script: str) -> pulumi.AssetArchive:
    """What Synthetics runs: the shared handler as index.js (handler "index.handler"), the checks, and
    the script as script.json, at the archive's root (syn-nodejs-puppeteer-11.0 and later)."""
    return pulumi.AssetArchive(
        {
            "index.js": pulumi.FileAsset(str(SCRIPTS / "handler.js")),
            "checks.js": pulumi.FileAsset(str(SCRIPTS / "checks.js")),
            "script.json": pulumi.FileAsset(str(SCRIPTS / f"{script}.json")),
        }
    )


def rate(minutes: int) -> str:
    """Synthetics' schedule expression: `rate(1 minute)`, `rate(5 minutes)`."""
    return f"rate({minutes} minute{'' if minutes == 1 else 's'})"


def canary_policy(bucket_arn: str, key_arn: str, account_id: str) -> str:
    """What a canary needs and no more (AWS: "Required roles and permissions for canaries"): write its
    runs' artifacts, its own Lambda's logs, its metrics in CloudWatchSynthetics, and the key for both."""
    return document(
        [
            {"Sid": "WriteArtifacts", "Effect": "Allow", "Action": "s3:PutObject", "Resource": f"{bucket_arn}/{RUNS}*"},
            {"Sid": "FindArtifactBucket", "Effect": "Allow", "Action": "s3:GetBucketLocation", "Resource": bucket_arn},
            # Synthetics lists buckets before it uploads; ListAllMyBuckets takes no resource but "*"
            {"Sid": "ListBuckets", "Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"},
            {
                "Sid": "EncryptArtifacts",
                "Effect": "Allow",
                "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
                "Resource": key_arn,
                "Condition": {"StringEquals": {"kms:ViaService": f"s3.{ALERTS_REGION}.amazonaws.com"}},
            },
            {
                "Sid": "OwnLogs",
                "Effect": "Allow",
                "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": f"arn:aws:logs:{ALERTS_REGION}:{account_id}:log-group:/aws/lambda/cwsyn-*",
            },
            {
                "Sid": "OwnMetrics",
                "Effect": "Allow",
                "Action": "cloudwatch:PutMetricData",
                "Resource": "*",  # PutMetricData has no resource; the namespace condition scopes it
                "Condition": {"StringEquals": {"cloudwatch:namespace": NAMESPACE}},
            },
        ]
    )


class Synthetics(pulumi.ComponentResource):
    """Per canary: its archive in the artifacts bucket, a canary on a rate schedule that starts at once and
    deletes its Lambda with it, and a SuccessPercent alarm to the canary's severity. One artifacts bucket
    (HardenedBucket: SSE-KMS with the alerts key, runs expired) and one least-privilege role serve them all.
    """

    def __init__(self, name: str, args: SyntheticsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("platform:synthetics:Synthetics", name, None, opts)
        s, child = args.synthetics, pulumi.ResourceOptions(parent=self)
        prefix = f"{args.app}-{args.environment}"
        artifacts = HardenedBucket(
            f"{name}-artifacts",
            HardenedBucketArgs(
                tags={**args.tags, "purpose": "synthetics-artifacts"},
                protect=args.protect,
                lifecycle_rules=[
                    expiry_rule("expire-canary-runs", s.artifact_days, noncurrent_days=1, prefix=RUNS),
                    # an archive stays while its canary runs it; the ones it replaced go
                    expiry_rule("expire-replaced-code", None, noncurrent_days=s.artifact_days, prefix=CODE),
                ],
                sse_algorithm="aws:kms",
                kms_key_arn=args.kms_key_arn,
                region=ALERTS_REGION,
            ),
            opts=child,
        )
        self.bucket = artifacts.bucket
        access_logs(
            f"{name}-access-logs",
            artifacts,
            AccessLogArgs(account_id=args.account_id, tags=args.tags, protect=args.protect, days=s.artifact_days),
            region=ALERTS_REGION,
            parent=self,
        )
        role = aws.iam.Role(
            f"{name}-canary",
            name=f"{prefix}-canary",
            description="CloudWatch Synthetics runs the golden-path canaries as this role",
            assume_role_policy=service_trust("lambda.amazonaws.com"),
            tags=args.tags,
            **bounded(args.account_id),
            opts=child,
        )
        aws.iam.RolePolicy(
            f"{name}-canary",
            role=role.name,
            policy=pulumi.Output.all(self.bucket.arn, args.kms_key_arn, args.account_id).apply(
                lambda a: canary_policy(a[0], a[1], a[2])
            ),
            opts=child,
        )
        self.canaries: dict[str, aws.synthetics.Canary] = {}
        for c in s.canaries:
            code = aws.s3.BucketObjectv2(
                f"{name}-{c.name}-code",
                bucket=self.bucket.id,
                key=f"{CODE}{c.name}.zip",
                source=archive(c.script),
                region=ALERTS_REGION,
                opts=child,
            )
            variables = {
                "BASE_URL": c.base_url,
                "CANARY_VARS": ",".join(sorted({"BASE_URL", *c.env, *c.secret_env})),
                **c.env,
            }
            secret = {var: args.secrets[secret_name] for var, secret_name in c.secret_env.items()}
            canary = aws.synthetics.Canary(
                f"{name}-{c.name}",
                name=f"{prefix}-{c.name}",
                runtime_version=s.runtime,
                handler="index.handler",
                s3_bucket=self.bucket.id,
                s3_key=code.key,
                s3_version=code.version_id,  # a new archive is a new version: the canary updates
                artifact_s3_location=self.bucket.bucket.apply(lambda b: f"s3://{b}/{RUNS}"),
                artifact_config=aws.synthetics.CanaryArtifactConfigArgs(
                    s3_encryption=aws.synthetics.CanaryArtifactConfigS3EncryptionArgs(
                        encryption_mode="SSE_KMS", kms_key_arn=args.kms_key_arn
                    )
                ),
                execution_role_arn=role.arn,
                schedule=aws.synthetics.CanaryScheduleArgs(expression=rate(c.every_minutes)),
                run_config=aws.synthetics.CanaryRunConfigArgs(
                    timeout_in_seconds=60,
                    environment_variables=pulumi.Output.all(variables, secret).apply(lambda v: {**v[0], **v[1]})
                    if secret
                    else variables,
                ),
                success_retention_period=s.artifact_days,
                failure_retention_period=s.artifact_days,
                start_canary=True,
                # without it, deleting a canary leaves its Lambda and layer behind
                # (hashicorp/terraform-provider-aws#19141)
                delete_lambda=True,
                region=ALERTS_REGION,
                tags={**args.tags, "runbook": c.script},
                opts=child,
            )
            self.canaries[c.name] = canary
            aws.cloudwatch.MetricAlarm(
                f"{name}-{c.name}-failing",
                name=alarm_name(args.app, args.environment, "canary", c.name),
                alarm_description=(
                    f"The {c.name} golden path failed twice in a row ({c.severity}); canaries/{c.script}.json"
                ),
                namespace=NAMESPACE,
                metric_name="SuccessPercent",
                dimensions={"CanaryName": f"{prefix}-{c.name}"},
                statistic="Average",
                period=60 * c.every_minutes,
                evaluation_periods=2,
                comparison_operator="LessThanThreshold",
                threshold=100,
                # a canary that stops reporting is as bad as one that fails
                treat_missing_data="breaching",
                tags={**args.tags, "severity": c.severity},
                opts=child,
                **notify(args.topic_arns.get(c.severity)),
            )
        self.register_outputs({"canaries": sorted(self.canaries), "artifactsBucket": self.bucket.bucket})
