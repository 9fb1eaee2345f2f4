"""Shared test helpers: stack config with overrides, readers over a synthesized stack, type tokens."""

from __future__ import annotations

import copy
import datetime as dt
import functools
import io
import json
import shutil
import subprocess
from collections.abc import Callable
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
from ruamel.yaml import YAML

from components.shared.loader import ConfigError, load
from components.shared.stack import StackConfig
from ops.offline.stackfile import ROOT, read
from ops.offline.synth import ACCOUNT_ID, Resource, Synth, offline_config, synthesize

# Every stack test judges secret staleness on this date, so results do not drift with the calendar.
TODAY = dt.date(2026, 11, 23)
# prod's OPENAI_API_KEY is past runbook 000's quarterly period under this reviewed exception
OPENAI_REASON = "quarterly period adopted 2026-12-02, after the key fell due; a new key is to be issued in OpenAI"
OPENAI_EXCEPTION = f"excepted until 2026-12-23: {OPENAI_REASON}"

BUCKET = "aws:s3/bucket:Bucket"
KEY = "aws:kms/key:Key"
ALIAS = "aws:kms/alias:Alias"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
LOGGING = "aws:s3/bucketLogging:BucketLogging"
RANDOM_BYTES = "random:index/randomBytes:RandomBytes"
RANDOM_PASSWORD = "random:index/randomPassword:RandomPassword"
VERCEL_PROJECT = "vercel:index/project:Project"
VERCEL_ENV = "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable"
VERCEL_DOMAIN = "vercel:index/projectDomain:ProjectDomain"
FLY_APP = "flyio:index:App"
FLY_MACHINE = "flyio:index:Machine"
FLY_SECRETS = "flyio:index:Secrets"
FLY_IP = "flyio:index:IP"
TOPIC = "aws:sns/topic:Topic"
TOPIC_POLICY = "aws:sns/topicPolicy:TopicPolicy"
SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"
CHATBOT = "aws:chatbot/slackChannelConfiguration:SlackChannelConfiguration"
HEALTH = "aws:route53/healthCheck:HealthCheck"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
COMPOSITE = "aws:cloudwatch/compositeAlarm:CompositeAlarm"
RULE = "aws:cloudwatch/eventRule:EventRule"
TARGET = "aws:cloudwatch/eventTarget:EventTarget"
PREFIX = "learning-accelerator-production"  # how prod's alerting resources are named in AWS

SynthFn = Callable[..., Synth]

# prod with its restore drill on a monthly Fly schedule, restoring into a provided server URL
SCHEDULED_DRILL: dict[str, Any] = {
    "platform:postgres": {"restoreDrill": {"schedule": "monthly", "targetUrlSecret": "DRILL_DATABASE_URL"}},
    "platform:secrets": {
        "items": {
            "DRILL_DATABASE_URL": {
                "kind": "provided",
                "rotationDays": None,
                "rotation": {"lastRotated": "2026-11-01"},
            }
        }
    },
}


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Override wins; a None value deletes the key."""
    out = copy.deepcopy(base)
    for key, value in override.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def file_config(stack: str) -> dict[str, Any]:
    """A root stack file's config, a fresh copy each call (tests merge their changes into it)."""
    return copy.deepcopy(_file_config(stack))


@functools.cache
def _file_config(stack: str) -> dict[str, Any]:
    return read(ROOT / f"Pulumi.{stack}.yaml", stack).config


def stack_config(stack: str, override: dict[str, Any] | None = None) -> tuple[dict[str, str], list[str]]:
    """A stack file's config with `override` merged in, as the CLI would pass it, placeholders included."""
    config, secret_keys, _ = offline_config(stack, deep_merge(file_config(stack), override or {}))
    return config, secret_keys


def load_with(stack: str, override: dict[str, Any]) -> StackConfig:
    """A root stack file with `override` merged in, loaded as the program loads it."""
    config, secret_keys = stack_config(stack, override)
    return load(config, set(secret_keys), stack, TODAY).config


def error_of(stack: str, override: dict[str, Any]) -> str:
    with pytest.raises(ConfigError) as exc:
        load_with(stack, override)
    return str(exc.value)


def synth_with(stack: str, override: dict[str, Any] | None = None, today: dt.date = TODAY, name: str = "") -> Synth:
    """A root stack file with `override` merged in, synthesized as stack `name` (default: the same)."""
    config, secret_keys = stack_config(stack, override)
    return synthesize(name or stack, config, secret_keys, today=today)


def copy_stack_files(into: Path) -> Path:
    """The root stack files in a temp dir, for tests that rewrite them (nothing is written into the repo)."""
    for path in ROOT.glob("Pulumi.*.yaml"):
        (into / path.name).write_text(path.read_text())
    return into


A = TypeVar("A")


@dataclass
class Ran:
    """What a command returned and printed, whether it ran in this process or in a child."""

    returncode: int
    stdout: str
    stderr: str


def in_process(main: Callable[[A], int], argument: A) -> Ran:
    """A command's `main` (its argv, or a job's environment) called in this process, what it prints captured."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(argument)
    return Ran(code, out.getvalue(), err.getvalue())


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=True).stdout


def clone_of_working_tree(target: Path) -> Path:
    """A clone whose HEAD is this checkout as it is now, uncommitted edits included.

    A diff against HEAD, or history read from git, then runs the code under test on both sides.
    """
    subprocess.run(["git", "clone", "-q", str(ROOT), str(target)], check=True)
    listed = git(ROOT, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    for name in filter(None, listed.split("\0")):
        source, copy_to = ROOT / name, target / name
        if source.is_file():
            copy_to.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, copy_to)
        elif copy_to.exists():  # deleted in the working tree, not yet committed
            copy_to.unlink()
    git(target, "config", "user.email", "platform@example.com")
    git(target, "config", "user.name", "Platform Engineer")
    git(target, "add", "-A")
    if git(target, "status", "--porcelain"):
        git(target, "commit", "-qm", "The working tree under test")
    return target


def topic(severity: str) -> str:
    """The ARN of prod's alert topic for a severity."""
    return f"arn:aws:sns:us-east-1:{ACCOUNT_ID}:{PREFIX}-alerts-{severity.lower()}"


def statements(resource: Resource, field: str = "policy") -> list[dict[str, Any]]:
    doc = json.loads(resource.inputs[field])
    assert doc["Version"] == "2012-10-17"
    return list(doc["Statement"])


def parent_name(synth: Synth, resource: Resource) -> str | None:
    parent = synth.parent_of(resource)
    return None if parent is None else parent.name


def names(synth: Synth, type_: str) -> list[str]:
    return sorted(r.name for r in synth.of_type(type_))


def api_machines(synth: Synth) -> list[Resource]:
    """The API's machines (FlyApi), not the backup job's."""
    return [r for r in synth.of_type(FLY_MACHINE) if parent_name(synth, r) == "api"]


def inputs_by_name(synth: Synth) -> dict[tuple[str, str], tuple[dict[str, Any], list[str]]]:
    return {(r.type, r.name): (r.inputs, r.secret_paths) for r in synth.resources}


def changed(before: Synth, after: Synth) -> tuple[set[Any], set[Any], set[Any]]:
    """(added, removed, changed inputs) between two synths of the same program."""
    a, b = inputs_by_name(before), inputs_by_name(after)
    return (set(b) - set(a), set(a) - set(b), {k for k in set(a) & set(b) if a[k] != b[k]})


def dump(config: dict[str, Any]) -> str:
    """A stack file's text holding this config, block style, as a person writes one."""
    out = io.StringIO()
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.dump({"config": config}, out)
    return out.getvalue()


def line_of(*path: str) -> Callable[[str], int]:
    """The line of a key in the dumped text, found by walking its path: independent of the code under test."""

    def find(text: str) -> int:
        lines = text.splitlines()
        start = 0
        for part in path:  # "-" is the next list item
            marker = "- " if part == "-" else f"{part}:"
            start = next(i for i in range(start, len(lines)) if lines[i].strip().startswith(marker))
        return start + 1

    return find
