"""Which inputs each declared resource type updates in place; a change to any other input is a replacement.

Nothing the SDKs ship says which inputs force a replacement, so the rule is inverted: only the inputs
listed here, read from each provider's source, update in place. A field that is missing, or a type
that is missing, counts as a replacement, and a replacement of a protected resource is refused
(`!! PROTECTED`, exit 2). tests/ops/test_diff.py fails when a stack declares a type with no entry.

Sources (the providers' own code, read for the versions this project pins):
- AWS: hashicorp/terraform-provider-aws `internal/service/<service>/<resource>.go`, where a schema
  field without `ForceNew` (SDKv2) or `RequiresReplace` (plugin framework) is updated by the
  resource's Update. `region`, which pulumi-aws v7 adds to every regional resource, is left out:
  moving a resource to another region recreates it.
- Fly: lukeshay/pulumi-flyio `provider/pkg/provider/<resource>.go`, the `ReplaceProps` of each Diff.
- PostgreSQL: cyrilgdn/terraform-provider-postgresql `postgresql/resource_postgresql_<resource>.go`.
- Vercel: vercel/terraform-provider-vercel `vercel/resource_<resource>.go`, `RequiresReplace` modifiers.
- GitHub: integrations/terraform-provider-github `github/resource_github_<resource>.go` (read at 00762d8).
- Random: terraform-provider-random marks every input of random_password and random_bytes
  `RequiresReplace`, so neither has an in-place input (rotations go through `keepers`).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class InPlace:
    fields: frozenset[str]  # top-level inputs (or dotted paths) that update in place
    source: str
    replaces: frozenset[str] = frozenset()  # paths under an in-place field that still replace


def _e(source: str, fields: str = "", replaces: tuple[str, ...] = ()) -> InPlace:
    """`fields`: the in-place inputs, space-separated."""
    return InPlace(frozenset(fields.split()), source, frozenset(replaces))


_AWS = "terraform-provider-aws internal/service/"
_S3_SUB = "bucket is ForceNew; the configuration itself is rewritten by Update"

IN_PLACE: dict[str, InPlace] = {
    # AWS: everything but the name (ForceNew) goes through PutMetricAlarm / PutCompositeAlarm again.
    "aws:cloudwatch/metricAlarm:MetricAlarm": _e(
        f"{_AWS}cloudwatch/metric_alarm.go: alarm_name is ForceNew",
        "actionsEnabled alarmActions alarmDescription comparisonOperator datapointsToAlarm dimensions "
        "evaluationPeriods extendedStatistic insufficientDataActions metricName metricQueries namespace "
        "okActions period statistic tags threshold treatMissingData unit",
    ),
    # pulumi-aws alarm_mute_rule.py: "Changing [name] forces a new resource"; its other inputs are not
    # documented as updatable, so every change counts as a replacement (a rule per date rarely changes)
    "aws:cloudwatch/alarmMuteRule:AlarmMuteRule": _e("pulumi-aws cloudwatch/alarm_mute_rule.py: name is ForceNew"),
    "aws:synthetics/canary:Canary": _e(
        f"{_AWS}synthetics/canary.go: only name is ForceNew; Update stops the canary and calls UpdateCanary",
        "artifactConfig artifactS3Location deleteLambda executionRoleArn failureRetentionPeriod handler runConfig "
        "runtimeVersion s3Bucket s3Key s3Version schedule startCanary successRetentionPeriod tags vpcConfig",
    ),
    # a new archive is a new object version, which the canary's s3Version then follows
    "aws:s3/bucketObjectv2:BucketObjectv2": _e(
        f"{_AWS}s3/object.go: bucket and key are ForceNew; a content change is uploaded again",
        "acl cacheControl contentDisposition contentEncoding contentLanguage contentType etag metadata source "
        "sourceHash storageClass tags",
    ),
    "aws:cloudwatch/dashboard:Dashboard": _e(
        f"{_AWS}cloudwatch/dashboard.go: dashboard_name is ForceNew; Update is PutDashboard", "dashboardBody"
    ),
    "aws:cloudwatch/compositeAlarm:CompositeAlarm": _e(
        f"{_AWS}cloudwatch/composite_alarm.go: alarm_name is ForceNew",
        "actionsEnabled actionsSuppressor alarmActions alarmDescription alarmRule insufficientDataActions "
        "okActions tags",
    ),
    "aws:cloudwatch/eventRule:EventRule": _e(
        f"{_AWS}events/rule.go: name, name_prefix and event_bus_name are ForceNew",
        "description eventPattern forceDestroy roleArn scheduleExpression state tags",
    ),
    "aws:cloudwatch/eventTarget:EventTarget": _e(
        f"{_AWS}events/target.go: rule, event_bus_name and target_id are ForceNew",
        "arn deadLetterConfig input inputPath inputTransformer retryPolicy roleArn",
    ),
    "aws:cloudwatch/logMetricFilter:LogMetricFilter": _e(
        f"{_AWS}logs/metric_filter.go: name and log_group_name are ForceNew", "metricTransformation pattern"
    ),
    "aws:chatbot/slackChannelConfiguration:SlackChannelConfiguration": _e(
        f"{_AWS}chatbot/slack_channel_configuration.go: UpdateSlackChannelConfiguration takes no name or "
        "team, so configuration_name and slack_team_id are treated as replacing",
        "guardrailPolicyArns iamRoleArn loggingLevel slackChannelId snsTopicArns tags userAuthorizationRequired",
    ),
    "aws:iam/role:Role": _e(
        f"{_AWS}iam/role.go: name, name_prefix and path are ForceNew",
        "assumeRolePolicy description forceDetachPolicies maxSessionDuration permissionsBoundary tags",
    ),
    "aws:iam/rolePolicy:RolePolicy": _e(f"{_AWS}iam/role_policy.go: name and role are ForceNew", "policy"),
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": _e(
        f"{_AWS}iam/role_policy_attachment.go: role and policy_arn are ForceNew; there is no Update"
    ),
    "aws:kms/key:Key": _e(
        f"{_AWS}kms/key.go: customer_master_key_spec, key_usage, multi_region, custom_key_store_id are ForceNew",
        "bypassPolicyLockoutSafetyCheck deletionWindowInDays description enableKeyRotation isEnabled policy "
        "rotationPeriodInDays tags",
    ),
    "aws:kms/alias:Alias": _e(f"{_AWS}kms/alias.go: name is ForceNew", "targetKeyId"),
    "aws:route53/healthCheck:HealthCheck": _e(
        f"{_AWS}route53/health_check.go: type, measure_latency, request_interval and reference_name are ForceNew",
        "enableSni failureThreshold fqdn invertHealthcheck port regions resourcePath searchString tags",
    ),
    "aws:s3/bucket:Bucket": _e(
        f"{_AWS}s3/bucket.go: bucket, bucket_prefix and object_lock_enabled are ForceNew", "forceDestroy tags"
    ),
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": _e(
        f"{_AWS}s3/bucket_lifecycle_configuration.go: {_S3_SUB}", "rules"
    ),
    "aws:s3/bucketLogging:BucketLogging": _e(
        f"{_AWS}s3/bucket_logging.go: {_S3_SUB}", "targetBucket targetGrants targetPrefix"
    ),
    "aws:s3/bucketNotification:BucketNotification": _e(
        f"{_AWS}s3/bucket_notification.go: {_S3_SUB}", "eventbridge lambdaFunctions queues topics"
    ),
    "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration": _e(
        f"{_AWS}s3/bucket_object_lock_configuration.go: {_S3_SUB}", "rule"
    ),
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": _e(
        f"{_AWS}s3/bucket_ownership_controls.go: {_S3_SUB}", "rule"
    ),
    "aws:s3/bucketPolicy:BucketPolicy": _e(f"{_AWS}s3/bucket_policy.go: {_S3_SUB}", "policy"),
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": _e(
        f"{_AWS}s3/bucket_public_access_block.go: {_S3_SUB}",
        "blockPublicAcls blockPublicPolicy ignorePublicAcls restrictPublicBuckets",
    ),
    "aws:s3/bucketReplicationConfig:BucketReplicationConfig": _e(
        f"{_AWS}s3/bucket_replication_configuration.go: {_S3_SUB}", "role rules"
    ),
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": _e(
        f"{_AWS}s3/bucket_server_side_encryption_configuration.go: {_S3_SUB}", "rules"
    ),
    "aws:s3/bucketVersioning:BucketVersioning": _e(
        f"{_AWS}s3/bucket_versioning.go: {_S3_SUB}", "versioningConfiguration"
    ),
    "aws:sns/topic:Topic": _e(
        f"{_AWS}sns/topic.go: name, name_prefix and fifo_topic are ForceNew; the rest is SetTopicAttributes",
        "deliveryPolicy displayName kmsMasterKeyId policy signatureVersion tags tracingConfig",
    ),
    "aws:sns/topicPolicy:TopicPolicy": _e(f"{_AWS}sns/topic_policy.go: arn is ForceNew", "policy"),
    "aws:sns/topicSubscription:TopicSubscription": _e(
        f"{_AWS}sns/topic_subscription.go: endpoint, protocol and topic_arn are ForceNew",
        "confirmationTimeoutInMinutes deliveryPolicy endpointAutoConfirms filterPolicy filterPolicyScope "
        "rawMessageDelivery redrivePolicy subscriptionRoleArn",
    ),
    # Fly: each resource's Diff replaces on its ReplaceProps and updates everything else.
    "flyio:index:App": _e("pulumi-flyio app.go: ReplaceProps Org, Name"),
    "flyio:index:IP": _e("pulumi-flyio ip.go: ReplaceProps App, AddrType, Region, Network"),
    "flyio:index:Machine": _e(
        "pulumi-flyio machine.go: ReplaceProps App, Config.AutoDestroy",
        "config deploymentStrategy name region",
        replaces=("config.autoDestroy",),
    ),
    "flyio:index:Secrets": _e("pulumi-flyio secrets.go: ReplaceProps App", "values"),
    # PostgreSQL: fields without ForceNew are ALTERed by the resource's Update.
    "postgresql:index/database:Database": _e(
        "resource_postgresql_database.go: template, encoding, lc_collate, lc_ctype are ForceNew",
        "allowConnections alterObjectOwnership connectionLimit isTemplate name owner tablespaceName",
    ),
    "postgresql:index/role:Role": _e(
        "resource_postgresql_role.go: no field is ForceNew (a new name is ALTER ROLE ... RENAME)",
        "assumeRole bypassRowLevelSecurity connectionLimit createDatabase createRole encrypted "
        "encryptedPassword idleInTransactionSessionTimeout inherit login name password replication roles "
        "searchPaths skipDropRole skipReassignOwned statementTimeout superuser validUntil",
    ),
    "postgresql:index/schema:Schema": _e(
        "resource_postgresql_schema.go: database is ForceNew", "dropCascade ifNotExists name owner"
    ),
    "postgresql:index/grant:Grant": _e(
        "resource_postgresql_grant.go: role, database, schema, object_type, objects, columns, with_grant_option "
        "are ForceNew",
        "privileges",
    ),
    "postgresql:index/defaultPrivileges:DefaultPrivileges": _e(
        "resource_postgresql_default_privileges.go: role, database, owner, schema, object_type, "
        "with_grant_option are ForceNew",
        "privileges",
    ),
    "postgresql:index/grantRole:GrantRole": _e(
        "resource_postgresql_grant_role.go: role, grant_role and with_admin_option are ForceNew; there is no Update"
    ),
    # A bridged provider's DiffConfig replaces only on ForcesProviderReplace fields
    # (pulumi/pulumi-terraform-bridge#1683); pulumi-postgresql marks none, so the provider is updated.
    "pulumi:providers:postgresql": _e(
        "pulumi-terraform-bridge DiffConfig (#1683): no ForcesProviderReplace field in pulumi-postgresql",
        "connectTimeout database host password port sslmode superuser username",
    ),
    # `value` is rewritten by UpdateContext (CreateOrUpdateEnvSecret); environment and secret_name are
    # ForceNew, and repository goes through diffRepository, so it is left to replace.
    "github:index/actionsEnvironmentSecret:ActionsEnvironmentSecret": _e(
        "resource_github_actions_environment_secret.go: environment and secret_name are ForceNew", "value"
    ),
    # pulumi/pulumi-github provider/resources.go sets no ForcesProviderReplace on the provider's config
    "pulumi:providers:github": _e(
        "pulumi-terraform-bridge DiffConfig (#1683), pulumi-github resources.go", "baseUrl owner token"
    ),
    # PagerDuty/terraform-provider-pagerduty pagerduty/resource_pagerduty_<resource>.go (read at 95cf9d8)
    "pagerduty:index/schedule:Schedule": _e(
        "resource_pagerduty_schedule.go: no ForceNew", "description layers name overflow teams timeZone"
    ),
    "pagerduty:index/escalationPolicy:EscalationPolicy": _e(
        "resource_pagerduty_escalation_policy.go: no ForceNew", "description name numLoops rules teams"
    ),
    "pagerduty:index/service:Service": _e(
        "resource_pagerduty_service.go: no ForceNew",
        "acknowledgementTimeout alertCreation alertGrouping alertGroupingParameters alertGroupingTimeout "
        "autoPauseNotificationsParameters "
        "autoResolveTimeout description escalationPolicy incidentUrgencyRule name responsePlay "
        "scheduledActions supportHours",
    ),
    # a new integration is a new key, so the SNS subscription built from it is replaced too
    "pagerduty:index/serviceIntegration:ServiceIntegration": _e(
        "resource_pagerduty_service_integration.go: service, type, vendor and email_filter are ForceNew",
        "emailFilterMode emailIncidentCreation emailParsers emailParsingFallback integrationEmail name",
    ),
    "pagerduty:index/maintenanceWindow:MaintenanceWindow": _e(
        "resource_pagerduty_maintenance_window.go: no ForceNew", "description endTime services startTime"
    ),
    "pulumi:providers:pagerduty": _e(
        "pulumi-terraform-bridge DiffConfig (#1683)", "serviceRegion skipCredentialsValidation token"
    ),
    "random:index/randomBytes:RandomBytes": _e("terraform-provider-random resource_bytes.go: all RequiresReplace"),
    "random:index/randomPassword:RandomPassword": _e(
        "terraform-provider-random resource_password.go: all RequiresReplace"
    ),
    # Vercel: RequiresReplace marks team_id on projects; key, project_id, team_id, sensitive, git_branch
    # and custom_environment_ids on variables; domain, project_id, team_id on domains.
    "vercel:index/project:Project": _e(
        "vercel/resource_project.go: team_id is RequiresReplaceIfConfigured",
        "buildCommand devCommand framework gitRepository installCommand name outputDirectory resourceConfig "
        "rootDirectory vercelAuthentication",
    ),
    "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable": _e(
        "vercel/resource_project_environment_variable.go", "comment targets value"
    ),
    "vercel:index/projectDomain:ProjectDomain": _e(
        "vercel/resource_project_domain.go", "gitBranch redirect redirectStatusCode"
    ),
}


def replacing(type_: str, paths: list[str]) -> list[str] | None:
    """The changed paths that force a replacement; None when the type has no entry (all of them do)."""
    rule = IN_PLACE.get(type_)
    if rule is None:
        return None

    def under(path: str, roots: frozenset[str]) -> bool:
        # a list's element is `field[i]` or `field[id=x]` (diff.flatten)
        return any(path == r or path.startswith((r + ".", r + "[")) for r in roots)

    return [p for p in paths if not under(p, rule.fields) or under(p, rule.replaces)]


def covered(type_: str) -> bool:
    """Component resources have no inputs and no provider; every custom type needs an entry."""
    return type_.startswith("platform:") or type_ in IN_PLACE
