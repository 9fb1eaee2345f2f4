"""The rules of the typed stack config as data for test_config.py: every invalid value with the exact
error it must give, and valid values next to them."""

from __future__ import annotations

from typing import Any

# (override, the exact line the error must contain); each rule with a valid twin in VALID below.
INVALID: list[tuple[dict[str, Any], str]] = [
    (
        {"platform:backups": {"retentionDays": "thirty"}},
        "platform:backups.retentionDays: Input should be a valid integer (got 'thirty')",
    ),
    (
        {"platform:backups": {"retentionDays": 0}},
        "platform:backups.retentionDays: Input should be greater than or equal to 1 (got 0)",
    ),
    (
        {"platform:backups": {"transition": {"storageClass": "COLD", "days": 10}}},
        "platform:backups.transition.storageClass: Input should be 'STANDARD_IA', 'ONEZONE_IA', "
        "'INTELLIGENT_TIERING', 'GLACIER_IR', 'GLACIER' or 'DEEP_ARCHIVE' (got 'COLD')",
    ),
    (
        {"platform:backups": {"transition": {"storageClass": "STANDARD_IA", "days": 10}}},
        "platform:backups.transition.days: 10: S3 needs at least 30 days before STANDARD_IA",
    ),
    (
        {"platform:backups": {"retentionDays": 60, "transition": {"storageClass": "GLACIER", "days": 60}}},
        "platform:backups.transition.days: 60 must be less than retentionDays (60), or objects expire before they move",
    ),
    (
        {"platform:backups": {"objectLock": {"days": 45}}},
        "platform:backups.objectLock.days: 45 exceeds retentionDays (30): locked backups could not expire on "
        "schedule; use at most retentionDays",
    ),
    (
        {"platform:backups": {"objectLock": {"mode": "LEGAL"}}},
        "platform:backups.objectLock.mode: Input should be 'GOVERNANCE' or 'COMPLIANCE' (got 'LEGAL')",
    ),
    (
        {"platform:backups": {"writer": {"github": {"repository": "no-slash"}}}},
        "platform:backups.writer.github.repository: String should match pattern '^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$' "
        "(got 'no-slash')",
    ),
    (
        {
            "platform:backups": {
                "reader": {"aws": None, "github": {"repository": "a/b", "branch": "main", "environment": "e"}}
            }
        },
        "platform:backups.reader.github.branch: give exactly one of branch or environment",
    ),
    (
        {"platform:backups": {"reader": {"aws": {"roleArns": ["arn:aws:iam::1234:role/x"]}}}},
        "platform:backups.reader.aws.roleArns[0]: String should match pattern "
        "'^arn:aws:iam::\\d{12}:role/[\\w+=,.@/-]+$' (got 'arn:aws:iam::1234:role/x')",
    ),
    (
        {"platform:backups": {"reader": {"fly": {"org": "acme", "app": "api"}}}},
        "platform:backups.reader: give exactly one of github, fly, aws (got ['fly', 'aws'])",
    ),
    (
        {"platform:backups": {"replication": {"region": "us-east-1"}}},
        "platform:backups.replication.region: must differ from aws:region (us-east-1) to survive a regional disaster",
    ),
    (
        {"platform:backups": {"replication": {"region": "mars-1"}}},
        "platform:backups.replication.region: unknown AWS region 'mars-1'",
    ),
    (
        {"platform:backups": {"encryption": "aws:kms", "kmsKey": "payments"}},
        "platform:backups.kmsKey: 'payments' is not one of keys.purposes ['general', 'alerts', 'watchdog']",
    ),
    (
        {"platform:backups": {"breakGlassRoleArn": "arn:aws:iam::111122223333:user/bob"}},
        "platform:backups.breakGlassRoleArn: String should match pattern",
    ),
    ({"aws:region": "moon-1"}, "aws:region: unknown AWS region 'moon-1'"),
    (
        {"platform:keys": {"rotationPeriodDays": 30}},
        "platform:keys.rotationPeriodDays: Input should be greater than or equal to 90 (got 30)",
    ),
    (
        {"platform:keys": {"administrators": ["arn:aws:iam::*:root"]}},
        "platform:keys.administrators[0]: String should match pattern",
    ),
    ({"platform:keys": {"purposes": ["general", "general"]}}, "platform:keys.purposes: duplicate purpose 'general'"),
    (
        {"platform:vercel": {"framwork": "nextjs"}},
        "platform:vercel.framwork: unknown key; allowed here: domains, env, framework, functionRegions, gitRepository, "
        "maintenanceMode, maintenanceTargets, previewProtection, projectName, rootDirectory, teamId",
    ),
    ({"platform:vercel": {"framework": "rails"}}, "platform:vercel.framework: unknown Vercel framework 'rails'"),
    (
        {"platform:vercel": {"functionRegions": ["iad"]}},
        "platform:vercel.functionRegions[0]: unknown Vercel function region 'iad'",
    ),
    ({"platform:vercel": {"previewProtection": "off"}}, "platform:vercel.previewProtection: Input should be"),
    (
        {"platform:vercel": {"env": {"MAINTENANCE_MODE": "true"}}},
        "platform:vercel.env.MAINTENANCE_MODE: set platform:vercel.maintenanceMode instead",
    ),
    (
        {
            "platform:vercel": {"env": {"SECRET_KEY": "x"}},
            "platform:secrets": {"items": {"SECRET_KEY": {"consumers": ["vercel:production"]}}},
        },
        "platform:vercel.env.SECRET_KEY: names a secret, and env values are plain text; declare it in "
        "platform:secrets.items (generated, or provided with `pulumi config set --secret`) and list this consumer",
    ),
    (
        {
            "platform:secrets": {
                "items": {
                    "NEXT_PUBLIC_SIGNING_KEY": {
                        "kind": "generated",
                        "encoding": "hex",
                        "length": 32,
                        "rotationDays": 90,
                        "rotation": {"lastRotated": "2026-11-01"},
                        "consumers": ["vercel:production"],
                    }
                }
            }
        },
        "platform:secrets.items.NEXT_PUBLIC_SIGNING_KEY.consumers: a NEXT_PUBLIC_* variable is sent to the browser and "
        "can never carry a secret",
    ),
    (
        {"platform:secrets": {"items": {"OPENAI_API_KEY": {"encoding": "hex"}}}},
        "platform:secrets.items.OPENAI_API_KEY.encoding: only generated secrets have it",
    ),
    (
        {
            "platform:secrets": {
                "items": {
                    "CUSTOM_TOKEN": {"kind": "generated", "rotationDays": 30, "rotation": {"lastRotated": "2026-11-01"}}
                }
            }
        },
        "platform:secrets.items.CUSTOM_TOKEN.encoding: required for a generated secret",
    ),
    (
        {"platform:secrets": {"items": {"SECRET_KEY": {"length": 8}}}},
        "platform:secrets.items.SECRET_KEY.length: Input should be greater than or equal to 16 (got 8)",
    ),
    (
        {"platform:secrets": {"items": {"SECRET_KEY": {"consumers": ["netlify"]}}}},
        "platform:secrets.items.SECRET_KEY.consumers[0]: Input should be",
    ),
    (
        {"platform:secrets": {"items": {"SECRET_KEY": {"rotation": {"lastRotated": "2026-12-01"}}}}},
        "platform:secrets.items.SECRET_KEY.rotation.lastRotated: 2026-12-01 is in the future",
    ),
    (
        {"platform:fly": {"regions": {"iad": 2, "xyz": 1}}},
        "platform:fly.regions.xyz: unknown Fly.io region 'xyz'; allowed: ams, arn, bom, cdg, dfw, ewr, fra, gru, iad, "
        "jnb, lax, lhr, nrt, ord, sin, sjc, syd, yyz (got 'xyz')",
    ),
    (
        {"platform:fly": {"regions": {"iad": 21}}},
        "platform:fly.regions.iad: Input should be less than or equal to 20 (got 21)",
    ),
    (
        {"platform:fly": {"guest": {"cpuKind": "dedicated"}}},
        "platform:fly.guest.cpuKind: Input should be 'shared' or 'performance' (got 'dedicated')",
    ),
    (
        {"platform:fly": {"guest": {"memoryMb": 300}}},
        "platform:fly.guest.memoryMb: 300: 1 shared CPU(s) take 256..2048 MB in steps of 256",
    ),
    (
        {"platform:fly": {"guest": {"cpuKind": "performance", "cpus": 3, "memoryMb": 4096}}},
        "platform:fly.guest.cpus: 3: a performance guest has one of [1, 2, 4, 8, 16] CPUs",
    ),
    (
        {"platform:fly": {"healthCheck": {"timeoutSeconds": 30}}},
        "platform:fly.healthCheck.timeoutSeconds: 30 must be less than intervalSeconds (30)",
    ),
    (
        {"platform:fly": {"concurrency": {"softLimit": 300}}},
        "platform:fly.concurrency.softLimit: 300 exceeds hardLimit (250)",
    ),
    (
        {"platform:fly": {"restart": {"policy": "sometimes"}}},
        "platform:fly.restart.policy: Input should be 'no', 'always' or 'on-failure' (got 'sometimes')",
    ),
    (
        {"platform:fly": {"image": "registry.fly.io/learning-accelerator-api:latest"}},
        "platform:fly.image: 'registry.fly.io/learning-accelerator-api:latest': production images are pinned by digest",
    ),
    (
        {"platform:fly": {"regions": {"iad": 3, "ord": None}}},
        "platform:fly.regions: production runs machines in at least two regions",
    ),
    ({"platform:protect": False}, "platform:protect: production resources are always protected"),
    ({"platform:environment": "prod"}, "platform:environment: Input should be 'staging' or 'production' (got 'prod')"),
    (
        {"platform:bogus": 1},
        "platform:bogus: unknown key; allowed here: accountId, alerts, app, backups, dashboard, dataClassification, "
        "environment, fly, github, keys, maintenance, oncall, postgres, protect, secrets, synthetics, vercel",
    ),
    ({"platform:app": None}, "platform:app: required, not set"),
]

VALID: list[dict[str, Any]] = [
    {"platform:backups": {"retentionDays": 90, "transition": {"storageClass": "STANDARD_IA", "days": 30}}},
    {"platform:backups": {"objectLock": {"days": 30, "mode": "COMPLIANCE"}}},
    {"platform:backups": {"reader": {"fly": {"org": "acme", "app": "api"}, "aws": None}}},
    {"platform:backups": {"reader": {"github": {"repository": "acme/ops", "environment": "restore"}, "aws": None}}},
    {"platform:backups": {"replication": {"region": "eu-west-1"}}},
    {"platform:backups": {"encryption": "aws:kms", "replication": {"enabled": False}}},
    {
        "platform:keys": {
            "rotationPeriodDays": 365,
            "purposes": ["general", "alerts", "watchdog", "payments"],
            "administrators": ["arn:aws:iam::111122223333:role/platform-admin"],
        }
    },
    {
        "platform:vercel": {
            "framework": "vite",
            "functionRegions": ["fra1", "iad1"],
            "previewProtection": "all_deployments",
        }
    },
    {"platform:fly": {"guest": {"cpuKind": "performance", "cpus": 2, "memoryMb": 4096}, "regions": {"fra": 1}}},
    {"platform:fly": {"healthCheck": {"intervalSeconds": 60, "timeoutSeconds": 10}}},
]
