"""`ops rotate`: never drops a value still served, writes atomically and in the file's own style."""

from __future__ import annotations

import datetime as dt
import io
import stat
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from ops.__main__ import main
from ops.commands import rotate as rotate_module
from ops.commands.rotate import RotateError, rotate
from ops.offline.stackfile import stack_files
from tests.helpers import copy_stack_files, in_process

DAY1, DAY2 = dt.date(2026, 11, 24), dt.date(2026, 11, 25)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return copy_stack_files(tmp_path)


def run_cli(*args: str) -> tuple[int, str, str]:
    done = in_process(main, list(args))
    return done.returncode, done.stdout, done.stderr


def test_a_second_rotation_inside_the_overlap_is_refused_with_the_day_it_ends(project: Path) -> None:
    rotate("prod", ["NEXTAUTH_SECRET"], due=False, on=DAY1, root=project)
    before = (project / "Pulumi.prod.yaml").read_text()
    with pytest.raises(RotateError) as exc:
        rotate("prod", ["NEXTAUTH_SECRET"], due=False, on=DAY2, root=project)
    assert str(exc.value) == (
        "NEXTAUTH_SECRET was rotated on 2026-11-24 and its previous value is served until the overlap ends on "
        "2026-11-25; rotating again before 2026-11-26 would stop serving it. For a compromised secret pass "
        "--force; nothing was changed"
    )
    assert (project / "Pulumi.prod.yaml").read_text() == before
    # the day after the overlap ends, it rotates
    assert rotate("prod", ["NEXTAUTH_SECRET"], due=False, on=dt.date(2026, 11, 26), root=project)[0].startswith(
        "NEXTAUTH_SECRET: generation 5 -> 6"
    )


def test_force_rotates_inside_the_overlap_and_says_what_stops_working(project: Path) -> None:
    rotate("prod", ["NEXTAUTH_SECRET"], due=False, on=DAY1, root=project)
    lines = rotate("prod", ["NEXTAUTH_SECRET"], due=False, on=DAY2, force=True, root=project)
    assert lines[0] == (
        "NEXTAUTH_SECRET: FORCED inside the overlap. The value from generation 4 stops working at the next "
        "`pulumi up`: tokens, sessions and data signed or encrypted with it no longer verify or decrypt"
    )
    assert 'rotation: {generation: 6, lastRotated: "2026-11-25"}' in (project / "Pulumi.prod.yaml").read_text()
    code, out, _ = run_cli(
        "rotate", str(project / "Pulumi.prod.yaml"), "NEXTAUTH_SECRET", "--today", "2026-11-25", "--force"
    )
    assert code == 0 and "FORCED inside the overlap. The value from generation 5 stops working" in out


def test_naming_a_secret_twice_bumps_it_once_and_says_so_once(project: Path) -> None:
    lines = rotate("prod", ["CRON_SECRET", "CRON_SECRET"], due=False, on=DAY1, root=project)
    assert lines[:2] == [
        "CRON_SECRET was named more than once; rotating it once",
        "CRON_SECRET: generation 2 -> 3; a new value replaces the older slot, the current one is served as "
        "CRON_SECRET_PREVIOUS for 1 day(s)",
    ]
    assert (
        'CRON_SECRET:\n        rotation: {generation: 3, lastRotated: "2026-11-24"}'
        in (project / "Pulumi.prod.yaml").read_text()
    )


def test_a_failed_write_leaves_the_stack_file_whole(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = project / "Pulumi.prod.yaml"
    before = path.read_text()

    def broken_dump(self: YAML, data: object, stream: io.TextIOBase) -> None:
        stream.write("config:\n  platform:app: trunc")
        raise OSError("disk full")

    monkeypatch.setattr(YAML, "dump", broken_dump)
    with pytest.raises(OSError, match="disk full"):
        rotate("prod", ["CRON_SECRET"], due=False, on=DAY1, root=project)
    assert path.read_text() == before
    assert sorted(p.name for p in project.iterdir()) == sorted(p.name for p in stack_files())  # no temp file left


@pytest.mark.parametrize(("sequence", "offset"), [(2, 0), (4, 2)], ids=["compact", "indented"])
def test_the_file_keeps_its_own_indentation_style(project: Path, sequence: int, offset: int) -> None:
    path = project / "Pulumi.prod.yaml"
    styled = YAML()
    styled.preserve_quotes = True
    styled.width = 4096
    styled.indent(mapping=2, sequence=sequence, offset=offset)
    out = io.StringIO()
    styled.dump(styled.load(path.read_text()), out)
    path.write_text(out.getvalue())
    assert ("\n    - " if offset == 0 else "\n      - ") in out.getvalue()
    rotate("prod", ["CRON_SECRET"], due=False, on=DAY1, root=project)
    after = path.read_text().splitlines()
    diff = [(a, b) for a, b in zip(out.getvalue().splitlines(), after, strict=True) if a != b]
    assert diff == [
        (
            '        rotation: {generation: 2, lastRotated: "2026-11-02"}',
            '        rotation: {generation: 3, lastRotated: "2026-11-24"}',
        )
    ]


def test_the_rotated_file_keeps_its_mode(project: Path) -> None:
    path = project / "Pulumi.prod.yaml"
    path.chmod(0o640)
    rotate("prod", ["CRON_SECRET"], due=False, on=DAY1, root=project)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_a_read_only_stack_file_is_refused_before_writing(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = project / "Pulumi.prod.yaml"
    before = path.read_text()
    monkeypatch.setattr(rotate_module.os, "access", lambda p, mode: False)
    code, _, err = run_cli("rotate", str(path), "CRON_SECRET")
    assert (code, err) == (1, "ops: error: Pulumi.prod.yaml is read-only; nothing was changed\n")
    assert path.read_text() == before


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("", "ops: error: Pulumi.prod.yaml declares no platform:secrets.items\n"),
        (
            "config:\n  platform:app: [x\n",
            "ops: error: Pulumi.prod.yaml: line 3: invalid YAML: while parsing a flow "
            "sequence expected ',' or ']', but got '<stream end>'\n",
        ),
        (
            "config:\n  platform:secrets:\n    items:\n      SECRET_KEY:\n        rotation: {generation: true}\n",
            "ops: error: Pulumi.prod.yaml: line 5: platform:secrets.items.SECRET_KEY.rotation.generation: "
            "Input should be a valid integer; run `uv run ops plan {path}` for every problem\n",
        ),
    ],
    ids=["empty", "malformed", "invalid-record"],
)
def test_rotate_on_a_bad_file_is_one_line(tmp_path: Path, body: str, expected: str) -> None:
    path = tmp_path / "Pulumi.prod.yaml"
    path.write_text(body)
    code, out, err = run_cli("rotate", str(path), "SECRET_KEY")
    assert (code, out, err) == (1, "", expected.replace("{path}", str(path)))
    assert path.read_text() == body


def test_rotate_due_with_nothing_due_exits_0_and_leaves_the_file_alone(project: Path) -> None:
    before = (project / "Pulumi.staging.yaml").read_text()
    assert rotate("staging", [], due=True, on=dt.date(2026, 11, 23), root=project) == [
        "no secret of stack 'staging' is due on 2026-11-23; nothing changed"
    ]
    assert (project / "Pulumi.staging.yaml").read_text() == before
    code, out, err = run_cli("rotate", "staging", "--due", "--today", "2026-11-23")
    assert (code, out, err) == (0, "no secret of stack 'staging' is due on 2026-11-23; nothing changed\n", "")


def test_a_provided_secret_bumped_without_a_new_value_is_flagged_until_the_value_changes(project: Path) -> None:
    """The encrypted value's fingerprint is recorded at the bump; the plan compares the file's value with it."""
    from components.secrets.config import fingerprint
    from ops.__main__ import main as ops_main
    from ops.commands.rotate import unchanged_values
    from ops.offline.stackfile import read

    path = project / "Pulumi.prod.yaml"
    text = path.read_text().replace(
        "config:\n", 'config:\n  platform:OPENAI_API_KEY:\n    secure: "v1:old-ciphertext"\n', 1
    )
    path.write_text(text)
    rotate("prod", ["OPENAI_API_KEY"], due=False, on=DAY1, root=project)
    record = read(path, "prod").config["platform:secrets"]["items"]["OPENAI_API_KEY"]["rotation"]
    assert record["replaces"] == fingerprint("v1:old-ciphertext") == "cf260a3e922c8bf7"
    assert unchanged_values(read(path, "prod")) == ["OPENAI_API_KEY"]
    ran = in_process(ops_main, ["plan", str(path), "--today", DAY1.isoformat()])
    assert ran.returncode == 1  # production refuses a rotation that did not happen
    line = next(x for x in ran.stderr.splitlines() if "generation bumped" in x)
    assert line.endswith(
        ": OPENAI_API_KEY: generation bumped, but the encrypted value is the one it replaces; "
        "pulumi config set --secret OPENAI_API_KEY --stack prod"
    )
    # `pulumi config set --secret` writes another ciphertext: the flag goes
    path.write_text(path.read_text().replace("v1:old-ciphertext", "v1:new-ciphertext"))
    assert unchanged_values(read(path, "prod")) == []


def test_the_scheduled_pull_request_lists_each_bump_and_a_checklist_per_provided_secret(project: Path) -> None:
    """What rotate.yml hands peter-evans/create-pull-request as the body (the offline diff is appended there)."""
    body = project / "body.md"
    lines = rotate("staging", [], due=True, on=dt.date(2027, 3, 1), root=project, pr_body=body)
    bumped = lines[:-1]
    assert [line.split(":")[0] for line in bumped] == [
        "SECRET_KEY",
        "CRON_SECRET",
        "NEXTAUTH_SECRET",
        "ENCRYPTION_KEY",
        "SUPABASE_SERVICE_ROLE_KEY",
        "DATABASE_PASSWORD",
        "DB_MIGRATOR_PASSWORD",
        "DB_READONLY_PASSWORD",
        "DB_BACKUP_PASSWORD",
        "GITHUB_ADMIN_TOKEN",
        "POSTGRES_ADMIN_PASSWORD",
    ]
    checklist = [
        f"- [ ] `{name}`: mint a new value at its provider, run `pulumi config set --secret {name} --stack staging` "
        "on this branch and push; revoke the old value at the provider after `pulumi up`"
        for name in ("SUPABASE_SERVICE_ROLE_KEY", "GITHUB_ADMIN_TOKEN", "POSTGRES_ADMIN_PASSWORD")
    ]
    assert body.read_text() == "\n".join(
        [
            "Scheduled rotation of stack `staging`: `ops rotate --due` on 2027-03-01 bumped `Pulumi.staging.yaml`.",
            "",
            *(f"- {line}" for line in bumped),
            "",
            "Provider-issued secrets: a bump alone rotates nothing. Before merging, for each:",
            *checklist,
            "",
            "Until the stack file holds each new value, `ops plan` names it and this pull request fails.",
            "",
            "Merging applies it: `deploy.yml` runs `pulumi up`, then `ops verify`.",
            "",
        ]
    )


def test_nothing_due_writes_no_pull_request_body(project: Path) -> None:
    body = project / "body.md"
    staging = str(project / "Pulumi.staging.yaml")
    code, out, _ = run_cli("rotate", staging, "--due", "--today", "2026-11-24", "--pr-body", str(body))
    assert (code, out, body.exists()) == (
        0,
        "no secret of stack 'staging' is due on 2026-11-24; nothing changed\n",
        False,
    )


def test_a_staging_bump_without_a_new_value_fails_the_plan_too(project: Path) -> None:
    """The scheduled pull request of every stack stays failing until the value changes."""
    path = project / "Pulumi.staging.yaml"
    path.write_text(
        path.read_text().replace("config:\n", 'config:\n  platform:OPENAI_API_KEY:\n    secure: "v1:x"\n', 1)
    )
    rotate("staging", ["OPENAI_API_KEY"], due=False, on=DAY1, root=project)
    ran = in_process(main, ["plan", str(path), "--today", DAY1.isoformat()])
    assert ran.returncode == 1
    assert [x.split(": ", 2)[2] for x in ran.stderr.splitlines() if "generation bumped" in x] == [
        "OPENAI_API_KEY: generation bumped, but the encrypted value is the one it replaces; "
        "pulumi config set --secret OPENAI_API_KEY --stack staging"
    ]
