"""What every config model shares: strict types, camelCase keys only, named-key problems."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, StringConstraints
from pydantic.alias_generators import to_camel

from components.shared.catalogues import AWS_REGIONS, FLY_REGIONS, VERCEL_FRAMEWORKS, VERCEL_FUNCTION_REGIONS

PROJECT = "platform"
Environment = Literal["staging", "production"]


class Problems(ValueError):
    """Several cross-field problems at once, each with the key path (relative to the section) it is about."""

    def __init__(self, items: list[tuple[str, str]]):
        super().__init__("; ".join(f"{path}: {msg}" for path, msg in items))
        self.items = items


def repeated(values: Sequence[str]) -> list[str]:
    """The values that appear more than once, each once, sorted."""
    return sorted({v for v in values if values.count(v) > 1})


def is_time_zone(name: str) -> bool:
    """Whether `name` is one of zoneinfo.available_timezones(), found without that listing: it opens
    each of the ~600 zone files, 12-36 ms a call, and a stack validated it six times per plan."""
    if name == "posixrules" or name.startswith(("posix/", "right/")):
        return False  # files the listing leaves out
    try:
        ZoneInfo(name)
    except (ValueError, KeyError, OSError):  # a malformed key; ZoneInfoNotFoundError is a KeyError
        return False
    return True


def raise_if(problems: list[tuple[str, str]]) -> None:
    if problems:
        raise Problems(problems)


class Model(BaseModel):
    # strict: a bool is never a number and a string never a count (`retentionDays: true` is not 1 day).
    # One spelling per key, the camelCase Pulumi users write; `retention_days` is an unknown key.
    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        alias_generator=to_camel,
        validate_by_alias=True,
        validate_by_name=False,
        frozen=True,
        # built once, at the first validation: a third less start-up for the offline plan
        defer_build=True,
    )


def one_of(allowed: frozenset[str], what: str) -> AfterValidator:
    def check(value: str) -> str:
        if value not in allowed:
            raise ValueError(f"unknown {what} {value!r}; allowed: {', '.join(sorted(allowed))}")
        return value

    return AfterValidator(check)


def _iso_date(value: Any) -> Any:
    # Dates reach the program as text (the CLI passes JSON); only the ISO form is a date here.
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a date (YYYY-MM-DD)") from None
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise ValueError("must be a date (YYYY-MM-DD)")
    if not dt.date(2000, 1, 1) <= value <= dt.date(2999, 12, 31):
        raise ValueError(f"{value.isoformat()} is outside 2000-01-01..2999-12-31")
    return value


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]
AwsRegion = Annotated[str, one_of(AWS_REGIONS, "AWS region")]
FlyRegion = Annotated[str, one_of(FLY_REGIONS, "Fly.io region")]
VercelRegion = Annotated[str, one_of(VERCEL_FUNCTION_REGIONS, "Vercel function region")]
VercelFramework = Annotated[str, one_of(VERCEL_FRAMEWORKS, "Vercel framework")]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]*[a-z0-9]$", max_length=40)]
SecretName = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9_]*$", max_length=64)]
EnvName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$", max_length=128)]
AccountId = Annotated[str, StringConstraints(pattern=r"^\d{12}$")]
IamPrincipalArn = Annotated[
    str,
    StringConstraints(pattern=r"^arn:aws:iam::\d{12}:(root|role/[\w+=,.@/-]+|user/[\w+=,.@/-]+)$", max_length=600),
]
# CloudTrail names: 3-128 letters, digits, `.`, `_`, `-`, starting and ending with a letter or digit (CreateTrail).
TrailArn = Annotated[
    str,
    StringConstraints(
        pattern=r"^arn:aws:cloudtrail:[a-z]{2}(-[a-z]+)+-\d:\d{12}:trail/[A-Za-z0-9]([A-Za-z0-9._-]{1,126})[A-Za-z0-9]$"
    ),
]
RepoSlug = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")]
GitRef = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._/-]+$")]
Hostname = Annotated[str, StringConstraints(pattern=r"^([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,63}$", max_length=253)]
