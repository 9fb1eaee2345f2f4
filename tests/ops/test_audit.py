"""`python -m ops audit` on a clone with history of its own: controls with FSBP IDs, secrets' ages, roles,
recovery, and the stack file's git history."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from ops.__main__ import main
from ops.commands.audit import audit as build_report
from ops.commands.audit_history import kind_of
from ops.offline.stackfile import ROOT
from ops.offline.synth import load_stack_file
from tests.helpers import OPENAI_EXCEPTION, OPENAI_REASON, clone_of_working_tree, file_config, git


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A clone with two more commits to the prod stack file: a rotation, then maintenance mode."""
    repo = clone_of_working_tree(tmp_path_factory.mktemp("audit") / "repo")
    stack = repo / "Pulumi.prod.yaml"
    text = stack.read_text()
    stack.write_text(
        text.replace(
            'CRON_SECRET:\n        rotation: {generation: 2, lastRotated: "2026-11-02"}',
            'CRON_SECRET:\n        rotation: {generation: 3, lastRotated: "2026-11-20"}',
        )
    )
    git(repo, "commit", "-qam", "Rotate CRON_SECRET")
    stack.write_text(stack.read_text().replace("    maintenanceMode: false", "    maintenanceMode: true"))
    git(repo, "commit", "-qam", "Maintenance for the Prisma migration (#12)")
    return repo


def test_an_auditor_reads_the_markdown(clone: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Summary first, then findings with their remediation, then the evidence, every row with its source."""
    assert main(["audit", str(clone / "Pulumi.prod.yaml"), "--today", "2026-11-23"]) == 0  # advisory only
    text = capsys.readouterr().out
    head = git(clone, "rev-parse", "HEAD").strip()
    lines = text.splitlines()
    assert lines[:4] == [
        "# Audit of stack `prod` (production)",
        "",
        "- Stack file: `Pulumi.prod.yaml`",
        f"- Commit: `{head}`; uncommitted changes: no",
    ]
    assert lines[4].startswith("- Generated at 2026-") and lines[4].endswith(
        "; judged on 2026-11-23 (`--today 2026-11-23`)"
    )
    headings = [line for line in lines if line.startswith("## ")]
    assert headings == [
        "## Summary",
        "## Findings",
        "## Controls",
        "## Secrets",
        "## Roles and what they may do",
        "## Bootstrap roles (bootstrap/Pulumi.ci.yaml, the most privileged)",
        "## PostgreSQL logins",
        "## Recovery",
        "## Change management",
    ]
    # controls, passed, mandatory failed, advisory failed, excepted (OPENAI_API_KEY), n/a
    assert "| 20 | 19 | 0 | 0 | 1 | 0 |" in text
    assert (
        "### Production secrets are within their rotation period (mandatory, severity high, under a reviewed "
        "exception)\n\n"
        f"- `OPENAI_API_KEY`: last rotated 2026-08-01, due 2026-10-30; {OPENAI_EXCEPTION}\n"
        "- Remediation: Rotate it: `uv run ops rotate <stack> <SECRET>`, reviewed and applied."
    ) in text
    assert "### Production secrets have a rotation period" not in text  # every prod secret has one now
    assert (
        "| KMS keys rotate automatically | mandatory | high | KMS.4 | CC6.1 | 8.24 | pass | "
        "keys-alerts, keys-general, keys-general-replica, keys-watchdog | code |"
    ) in text
    assert "| CRON_SECRET | generated | 3 | 2026-11-20 | 3 | 90 d | ok | code |" in text
    assert (
        "| OPENAI_API_KEY | provided | 1 | 2026-08-01 | 114 | 90 d | stale, excepted until 2026-12-23 | code |"
    ) in text
    reader = next(line for line in lines if line.startswith("| learning-accelerator-production-backup-reader |"))
    assert 'Allow `["s3:GetObject", "s3:GetObjectVersion"]` on `"arn:aws:s3:::' in reader and reader.endswith(
        "| code |"
    )
    assert "within boundary `arn:aws:iam::123456789012:policy/platform-stack-role-boundary`" in reader
    assert any(line.startswith("| platform-ci-deploy-prod | ") for line in lines)
    assert "| la_readonly | - | CONNECT on database<br>SELECT on future sequence in `app`<br>" in text
    assert "- retentionDays: 30" in text and "- rtoHours: 4" in text and "- replicaRegion: us-west-2" in text
    assert any(
        "| Maintenance for the Prisma migration (#12) | maintenance | git |" in line and "| #12 |" in line
        for line in lines
    )


def test_the_json_carries_the_identity_provenance_and_mappings(prod_report: dict[str, Any], clone: Path) -> None:
    assert prod_report["report"]["commit"] == git(clone, "rev-parse", "HEAD").strip()
    assert (prod_report["report"]["uncommittedChanges"], prod_report["report"]["judgedOn"]) == (False, "2026-11-23")
    for section in ("secrets", "roles", "bootstrapRoles", "logins", "history"):
        assert prod_report[section] and {x["source"] for x in prod_report[section]} <= {"code", "git"}, section
    assert prod_report["recovery"]["source"] == "code"
    for control in prod_report["controls"]:
        frameworks = control["frameworks"]
        assert frameworks["SOC 2"] and frameworks["ISO 27001:2022"] and control["remediation"], control["id"]
    ids = {c["id"] for c in prod_report["controls"]}
    assert {"backups-object-locked", "backups-replicated", "secrets-within-period", "secrets-have-period"} <= ids


def test_a_stale_production_secret_fails_a_mandatory_control_and_exits_3(clone: Path) -> None:
    """Reported, never a crash: the stack cannot be deployed, and the audit says why."""
    from tests.helpers import in_process

    stack = clone / "Pulumi.prod.yaml"
    text = stack.read_text()
    stale = text.replace(
        'SECRET_KEY:\n        rotation: {generation: 3, lastRotated: "2026-11-02"}',
        'SECRET_KEY:\n        rotation: {generation: 3, lastRotated: "2026-06-01"}',
    )
    assert stale != text
    stack.write_text(stale)
    try:
        ran = in_process(main, ["audit", str(stack), "--today", "2026-11-23", "--json"])
    finally:
        stack.write_text(text)
    assert ran.returncode == 3, ran.stderr
    report = json.loads(ran.stdout)
    control = next(c for c in report["controls"] if c["id"] == "secrets-within-period")
    assert (control["status"], control["failures"]) == (
        "fail",
        [
            {
                "resource": "OPENAI_API_KEY",
                "reason": f"last rotated 2026-08-01, due 2026-10-30; {OPENAI_EXCEPTION}",
                "exception": {"until": "2026-12-23", "reason": OPENAI_REASON},
            },
            {"resource": "SECRET_KEY", "reason": "last rotated 2026-06-01, due 2026-08-30"},
        ],
    )
    assert report["summary"]["mandatoryFailed"] == 1


def test_an_exception_holds_the_control_as_excepted_until_it_ends(clone: Path, prod_report: dict[str, Any]) -> None:
    """Excepted is neither passed nor a mandatory failure (which exits 3); the day after `until` it fails.
    Built in-process: `--today` refuses a date after the real one."""

    def judged(report: dict[str, Any]) -> tuple[int, int, str]:
        control = next(c for c in report["controls"] if c["id"] == "secrets-within-period")
        return report["summary"]["mandatoryFailed"], report["summary"]["excepted"], control["status"]

    assert judged(prod_report) == (0, 1, "excepted")  # 2026-11-23
    ended = report_of(clone / "Pulumi.prod.yaml", "2026-12-24")
    assert judged(ended) == (1, 0, "fail")
    assert next(c for c in ended["controls"] if c["id"] == "secrets-within-period")["failures"] == [
        {
            "resource": "OPENAI_API_KEY",
            "reason": "last rotated 2026-08-01, due 2026-10-30; its exception ended 2026-12-23",
        }
    ]


def test_a_rotation_record_committed_after_the_date_it_claims_is_flagged(prod_report: dict[str, Any]) -> None:
    late = {x["secret"]: x for x in prod_report["lateRecords"]}
    # the clone's own commit, made today, wrote CRON_SECRET's record dated 2026-11-20
    today = dt.date.today()
    assert (late["CRON_SECRET"]["lastRotated"], late["CRON_SECRET"]["committed"]) == ("2026-11-20", today.isoformat())
    assert late["CRON_SECRET"]["daysLate"] == (today - dt.date(2026, 11, 20)).days
    github = late["GITHUB_ADMIN_TOKEN"]  # recorded as 2026-11-02, first committed on 2026-12-02
    assert (github["lastRotated"], github["committed"], github["daysLate"], github["source"]) == (
        "2026-11-02",
        "2026-12-02",
        30,
        "git",
    )


def report_of(path: Path, today: str) -> dict[str, Any]:
    """The report as `--format json` prints it, built in-process: this checkout's code over the clone's
    stack file, whose history comes from the clone's own commits."""
    stack_file = load_stack_file(str(path))
    report: dict[str, Any] = json.loads(json.dumps(build_report(stack_file, dt.date.fromisoformat(today))))
    return report


@pytest.fixture(scope="module")
def prod_report(clone: Path) -> dict[str, Any]:
    return report_of(clone / "Pulumi.prod.yaml", "2026-11-23")


def test_history_has_one_entry_per_commit_that_shaped_the_stack(clone: Path, prod_report: dict[str, Any]) -> None:
    report = prod_report
    commits = git(clone, "log", "--format=%H", "--", "Pulumi.prod.yaml", "components", "policy", "__main__.py").split()
    assert [h["commit"] for h in report["history"]] == [c[:12] for c in commits]
    stack_only = git(clone, "log", "--format=%H", "--", "Pulumi.prod.yaml").split()
    assert [h["commit"] for h in report["history"] if "Pulumi.prod.yaml" in h["files"]] == [c[:12] for c in stack_only]
    assert len(commits) > len(stack_only)  # commits to the code count too
    latest, rotation = report["history"][0], report["history"][1]
    assert (latest["subject"], latest["author"]) == ("Maintenance for the Prisma migration (#12)", "Platform Engineer")
    assert (latest["pullRequest"], latest["files"], latest["source"]) == (12, ["Pulumi.prod.yaml"], "git")
    assert latest["changes"] == [{"key": "platform:vercel.maintenanceMode", "kind": "maintenance"}]
    assert rotation["pullRequest"] is None
    assert rotation["changes"] == [
        {"key": "platform:secrets.items.CRON_SECRET.rotation.generation", "kind": "rotation of CRON_SECRET"},
        {"key": "platform:secrets.items.CRON_SECRET.rotation.lastRotated", "kind": "rotation of CRON_SECRET"},
    ]
    # the commit that added GITHUB_ADMIN_TOKEN's record rotated nothing
    added = next(h for h in report["history"] if any("GITHUB_ADMIN_TOKEN" in c["key"] for c in h["changes"]))
    assert {c["kind"] for c in added["changes"] if "GITHUB_ADMIN_TOKEN" in c["key"]} == {
        "new secret GITHUB_ADMIN_TOKEN"
    }


def test_roles_say_who_may_assume_them(prod_report: dict[str, Any]) -> None:
    reader = next(r for r in prod_report["roles"] if r["resource"] == "backup-access-reader")
    assert reader["trust"] == [
        {
            "principal": {"AWS": ["arn:aws:iam::111122223333:role/restore-drill"]},
            "action": "sts:AssumeRole",
            "condition": None,
        }
    ]


def test_a_stale_secret_and_a_product_path(clone: Path) -> None:
    report = report_of(clone / "Pulumi.flashfusion-staging.yaml", "2027-02-01")
    status = {s["name"]: s["status"] for s in report["secrets"]}
    assert (status["KEYRING_TOKEN"], status["STRIPE_SECRET_KEY"], status["OPENAI_API_KEY"]) == (
        "ok",
        "stale",
        "on demand",
    )
    assert (report["stack"], report["stackFile"]) == (
        "flashfusion-staging",
        "Pulumi.flashfusion-staging.yaml",
    )


def test_a_stack_file_outside_git_is_audited_without_history(tmp_path: Path) -> None:
    stack = tmp_path / "Pulumi.staging.yaml"
    stack.write_text((ROOT / "Pulumi.staging.yaml").read_text())
    report = report_of(stack, "2026-11-23")
    assert (report["stackFile"], report["history"]) == (str(stack), [])
    items = file_config("staging")["platform:secrets"]["items"]
    assert sorted(s["name"] for s in report["secrets"]) == sorted(items)
    assert "fail" not in {c["status"] for c in report["controls"]}


@pytest.mark.parametrize(
    ("key", "kind"),
    [
        ("platform:secrets.items.SECRET_KEY.rotation.generation", "rotation of SECRET_KEY"),
        ("platform:secrets.items.OPENAI_API_KEY.rotation.exception.until", "exception for OPENAI_API_KEY"),
        ("platform:secrets.items.OPENAI_API_KEY.rotationDays", "rotation period of OPENAI_API_KEY"),
        ("platform:fly.regions.iad", "scaling"),
        ("platform:vercel.maintenanceMode", "maintenance"),
        ("platform:backups.retentionDays", "setting"),
    ],
)
def test_changes_are_named_by_kind(key: str, kind: str) -> None:
    assert kind_of(key) == kind


def test_a_production_database_without_backups_or_drill_fails_unless_the_file_says_where() -> None:
    """Runbook 001's quarterly restore tests: the Supabase products name the provider's backups."""
    from ops.commands.audit import audit, config_controls
    from ops.offline.synth import load_stack_file
    from tests.helpers import TODAY, load_with

    flash = audit(load_stack_file("flashfusion-prod"), TODAY)
    control = next(c for c in flash["controls"] if c["id"] == "database-backed-up-and-drilled")
    assert (control["status"], control["level"], control["resources"]) == ("pass", "mandatory", ["postgres_app"])
    assert flash["recovery"]["elsewhere"] == "Supabase's own backups; runbook 004 restores from the Supabase dashboard"

    def drilled(cfg: Any) -> dict[str, Any] | None:
        return next((c for c in config_controls(cfg, TODAY) if c["id"] == "database-backed-up-and-drilled"), None)

    # without the statement, the gap fails the control, naming what is missing
    silent = load_with(
        "prod", {"platform:backups": None, "platform:postgres": {"restoreDrill": None, "backupJob": None}}
    )
    assert drilled(silent) == {
        "id": "database-backed-up-and-drilled",
        "control": "Production databases are backed up and restore-tested (runbook 001: quarterly restore tests)",
        "level": "mandatory",
        "severity": "high",
        "frameworks": {"FSBP": None, "SOC 2": ["A1.2"], "ISO 27001:2022": ["8.13"]},
        "status": "fail",
        "resources": ["learning_accelerator"],
        "failures": [
            {
                "resource": "learning_accelerator",
                "reason": "no platform:backups, postgres.backupJob, postgres.restoreDrill",
            }
        ],
        "remediation": "Declare platform:backups, postgres.backupJob and postgres.restoreDrill, "
        "or postgres.recoveryElsewhere.",
        "source": "code",
    }
    # prod itself backs up and drills; staging is not held to it
    prod = drilled(load_with("prod", {}))
    assert prod is not None and prod["status"] == "pass"
    assert drilled(load_with("staging", {})) is None


def test_a_provided_secrets_bump_says_whether_its_value_changed(tmp_path: Path) -> None:
    """The fingerprint `ops rotate` records of the value a provided secret's bump replaces."""
    from ops.commands.rotate import rotate
    from tests.helpers import TODAY, copy_stack_files

    project = copy_stack_files(tmp_path)
    path = project / "Pulumi.staging.yaml"
    path.write_text(
        path.read_text().replace("config:\n", 'config:\n  platform:OPENAI_API_KEY:\n    secure: "v1:a"\n', 1)
    )
    rotate("staging", ["OPENAI_API_KEY"], due=False, on=TODAY, root=project)

    def openai() -> dict[str, Any]:
        return next(s for s in report_of(path, TODAY.isoformat())["secrets"] if s["name"] == "OPENAI_API_KEY")

    assert (openai()["valueChanged"], openai()["status"]) == (False, "bumped, value unchanged")
    path.write_text(path.read_text().replace('secure: "v1:a"', 'secure: "v1:b"'))
    assert (openai()["valueChanged"], openai()["status"]) == (True, "on demand")
    assert (
        next(s for s in report_of(path, TODAY.isoformat())["secrets"] if s["name"] == "SECRET_KEY")["valueChanged"]
        is None
    )


def test_history_reads_each_version_of_the_file_and_nothing_where_it_was_absent(tmp_path: Path) -> None:
    """One `git cat-file --batch` for every `<commit>:<path>`: a version, a path that did not exist then,
    the parent of the first commit, and a directory."""
    from ops.commands.audit_history import _configs_at

    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    git(repo, "config", "user.email", "platform@example.com")
    git(repo, "config", "user.name", "Platform Engineer")
    (repo / "Pulumi.staging.yaml").write_text("config:\n  platform:fly:\n    regions: {iad: 1}\n")
    (repo / "docs").mkdir()
    (repo / "docs" / "a.md").write_text("a\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "first")
    (repo / "Pulumi.staging.yaml").write_text("config:\n  platform:fly:\n    regions: {iad: 2, ams: 1}\n")
    git(repo, "commit", "-qam", "scale")
    specs = ["HEAD:Pulumi.staging.yaml", "HEAD^:Pulumi.staging.yaml", "HEAD^^:Pulumi.staging.yaml"]
    specs += ["HEAD:Pulumi.prod.yaml", "HEAD:docs", "HEAD:Pulumi.staging.yaml"]
    assert _configs_at(repo, specs) == [
        {"platform:fly": {"regions": {"iad": 2, "ams": 1}}},
        {"platform:fly": {"regions": {"iad": 1}}},
        {},
        {},
        {},
        {"platform:fly": {"regions": {"iad": 2, "ams": 1}}},
    ]
