"""Every AWS name the plans hold comes from a template in components/shared/names.py and fits its limit;
the config refuses an app name that would overflow any of them."""

from __future__ import annotations

import pytest

from components.shared import names
from components.shared.stack import environment_of_stack
from ops.offline.stackfile import stack_files
from ops.offline.synth import Synth, load_stack_file, synthesize_file
from tests.helpers import TODAY, error_of, synth_with

# AWS types this project never names: named by their parent's reference, or auto-named by Pulumi from
# the logical name (fixed length, whatever the app), or without a name at all.
UNNAMED = {
    "aws:cloudwatch/eventTarget:EventTarget",
    "aws:iam/rolePolicy:RolePolicy",
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    "aws:kms/key:Key",
    "aws:route53/healthCheck:HealthCheck",
    "aws:s3/bucket:Bucket",
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    "aws:s3/bucketLogging:BucketLogging",
    "aws:s3/bucketNotification:BucketNotification",
    "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration",
    "aws:s3/bucketObjectv2:BucketObjectv2",  # its key is code/<canary>.zip inside a bucket of its own
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
    "aws:s3/bucketPolicy:BucketPolicy",
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    "aws:s3/bucketReplicationConfig:BucketReplicationConfig",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketVersioning:BucketVersioning",
    "aws:sns/topicPolicy:TopicPolicy",
    "aws:sns/topicSubscription:TopicSubscription",
}
STACK_FILES = stack_files()
STACKS = [load_stack_file(str(p)).stack for p in STACK_FILES]
WIDEST = {  # prod with every optional AWS name: the failure rate's filters and a forwarding region
    "aws:region": "eu-west-1",
    "platform:alerts": {"kms": {"failureRate": {"cloudtrailLogGroup": "trail"}}},
}


@pytest.fixture(scope="module")
def plans() -> dict[str, tuple[str, Synth]]:
    """stack -> (`<app>-<env>`, its plan)"""
    plans = {}
    for path in STACK_FILES:
        stack_file = load_stack_file(str(path))
        prefix = f"{stack_file.config['platform:app']}-{environment_of_stack(stack_file.stack)}"
        plans[stack_file.stack] = (prefix, synthesize_file(stack_file, TODAY))
    plans["prod-widest"] = ("learning-accelerator-production", synth_with("prod", WIDEST))
    return plans


def named(synth: Synth) -> list[tuple[str, object]]:
    return [
        (r.type, r.inputs.get(names.LIMITS[r.type][0]) if r.type in names.LIMITS else None) for r in synth.resources
    ]


def test_every_aws_type_in_a_plan_is_named_from_a_template_or_known_to_have_no_name(
    plans: dict[str, tuple[str, Synth]],
) -> None:
    types = {r.type for _, p in plans.values() for r in p.resources if r.type.startswith("aws:")}
    assert types - set(names.LIMITS) - UNNAMED == set()
    assert set(names.TEMPLATES) == set(names.LIMITS)
    # Pulumi auto-names those that take a name from the logical name, which does not hold the app
    unnamed = [
        (r.type, r.inputs["name"])
        for _, p in plans.values()
        for r in p.resources
        if r.type in UNNAMED and "name" in r.inputs
    ]
    assert unnamed == []


@pytest.mark.parametrize("stack", [*STACKS, "prod-widest"])
def test_every_aws_name_matches_its_template_and_fits(plans: dict[str, tuple[str, Synth]], stack: str) -> None:
    prefix, plan = plans[stack]
    app, env = prefix.rsplit("-", 1)
    for r in plan.resources:
        if r.type not in names.LIMITS:
            continue
        type_, name = r.type, r.inputs.get(names.LIMITS[r.type][0])
        if name is None:  # auto-named: the logical name, a dash and 7 random characters
            assert len(r.name) + 8 <= names.LIMITS[type_][1], (stack, r.name)
            continue
        assert isinstance(name, str), (stack, type_)
        templates = [t.format_map(Free(app=app, env=env)) for t in names.TEMPLATES[type_]]
        assert any(names.pattern(t).fullmatch(name) for t in templates), (stack, type_, name)
        assert len(name) <= names.LIMITS[type_][1], (stack, type_, name)


class Free(dict[str, str]):
    """str.format_map that keeps every field but app and env as a field."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def test_every_template_is_used_by_some_plan(plans: dict[str, tuple[str, Synth]]) -> None:
    used = set()
    for _, plan in plans.values():
        for type_, name in named(plan):
            for template in names.TEMPLATES.get(type_, ()):
                generic = names.pattern(template.replace("{app}", "{x}").replace("{env}", "{y}"))
                if isinstance(name, str) and generic.fullmatch(name):
                    used.add(template)
    assert {t for ts in names.TEMPLATES.values() for t in ts} - used == set()


def test_the_longest_app_that_fits_plans_and_one_more_character_is_refused() -> None:
    # prod's replicated aws:kms backups put a key in us-west-2, whose events forward under a rule named
    # after it: 36 characters after the app, the longest derived name
    fits, over = "a" * 28, "a" * 29
    plan = synth_with("prod", {"platform:app": fits})
    longest = max(
        (n for t, n in named(plan) if t == "aws:cloudwatch/eventRule:EventRule" and isinstance(n, str)), key=len
    )
    assert (longest, len(longest)) == (f"{fits}-production-kms-key-events-us-west-2", 64)
    assert error_of("prod", {"platform:app": over}).splitlines()[-1] == (
        f"  - platform:app: {over!r} (29 characters) derives the aws:cloudwatch/eventRule:EventRule name "
        f"'{over}-production-kms-key-events-us-west-2', 65 characters; EventBridge PutRule: Name, 1-64 "
        "characters. Shorten app by 1 or more"
    )
    # in us-east-1 alone (no replica key), the alerts key's rule is the longest: 33 characters after the app
    alone = {"platform:app": "a" * 32, "platform:backups": {"replication": {"enabled": False}}}
    assert error_of("prod", alone).splitlines()[-1] == (
        f"  - platform:app: {'a' * 32!r} (32 characters) derives the aws:cloudwatch/eventRule:EventRule name "
        f"'{'a' * 32}-production-kms-alerts-key-events', 65 characters; EventBridge PutRule: Name, 1-64 "
        "characters. Shorten app by 1 or more"
    )
    # another region adds a forwarding rule named after it, which is longer still
    assert error_of("prod", {"platform:app": fits, "aws:region": "ap-southeast-2"}).splitlines()[-1] == (
        f"  - platform:app: {fits!r} (28 characters) derives the aws:cloudwatch/eventRule:EventRule name "
        f"'{fits}-production-kms-key-events-ap-southeast-2', 69 characters; EventBridge PutRule: Name, "
        "1-64 characters. Shorten app by 5 or more"
    )
