"""`ops diff <stack> <ref>` on a clone of this repository, as a reviewer runs it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ops.__main__ import main
from ops.commands.diff import as_json, as_text, compare
from ops.offline.stackfile import ROOT, stack_files
from ops.offline.synth import Synth
from tests.helpers import TODAY, Ran, api_machines, clone_of_working_tree, git, in_process

RECORD_OF_DATABASE_PASSWORD = (
    "DATABASE_PASSWORD: # the app's two alternating logins; DATABASE_URL follows it\n        rotation: "
)


# One pull request, three edits: maintenance on, DATABASE_PASSWORD rotated, the replica turned off.
EDITS = (
    ("    maintenanceMode: false", "    maintenanceMode: true"),
    (
        f'{RECORD_OF_DATABASE_PASSWORD}{{generation: 2, lastRotated: "2026-11-02"}}',
        f'{RECORD_OF_DATABASE_PASSWORD}{{generation: 3, lastRotated: "2026-11-23"}}',
    ),
    ("    replication:\n      region: us-west-2", "    replication:\n      enabled: false"),
)


@pytest.fixture(scope="module")
def reviewed(tmp_path_factory: pytest.TempPathFactory) -> Ran:
    """`ops diff <clone>/Pulumi.prod.yaml HEAD` over the edited file, as a reviewer runs it: the clone's
    HEAD holds the code under test, so this process plans both the copy of HEAD and the edited file."""
    clone = clone_of_working_tree(tmp_path_factory.mktemp("clone") / "repo")
    path = clone / "Pulumi.prod.yaml"
    text = path.read_text()
    for old, new in EDITS:
        assert old in text
        text = text.replace(old, new, 1)
    path.write_text(text)
    return in_process(main, ["diff", str(path), "HEAD", "--today", TODAY.isoformat()])


def test_the_summary_counts_every_change_and_the_unchanged_rest(reviewed: Ran, prod: Synth) -> None:
    assert reviewed.returncode == 2, reviewed.stderr
    # the primary's policy drops the replication role from its readers, and the KMS key-events rule the
    # replica's key: updates seven and eight; the replica's key goes with its forwarding rule and role
    changed = 27 + 1 + 8
    assert reviewed.stdout.splitlines()[0] == (
        f"Diff of stack 'prod' against HEAD (offline plans): 27 to delete, 1 to replace, 8 to update; "
        f"{len(prod.resources) - changed} unchanged."
    )


def test_flipping_maintenance_mode_updates_one_variable(reviewed: Ran) -> None:
    vercel = [line for line in reviewed.stdout.splitlines() if "vercel:" in line]
    assert vercel == [
        "~ update vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable frontend-MAINTENANCE_MODE"
    ]
    # the SDK marks every value secret; this one is not sensitive, so the diff shows it
    assert f'{vercel[0]}\n    value: "false" -> "true"\n' in reviewed.stdout


def test_a_rotation_is_a_replacement_because_its_keepers_changed(reviewed: Ran, prod: Synth) -> None:
    out = reviewed.stdout
    assert (
        "+- replace random:index/randomPassword:RandomPassword secrets-DATABASE_PASSWORD-a  (keepers changed)\n"
        '    keepers.generation: "1" -> "3"'
    ) in out
    assert "~ update postgresql:index/role:Role postgres-app-a\n    password: [secret changed]\n" in out
    assert "~ update flyio:index:Secrets api\n    values: [secret changed]\n" in out
    # DATABASE_URL follows the new password, and every machine restarts to read it
    rolled = sorted(line.split()[-1] for line in out.splitlines() if line.startswith("~ update flyio:index:Machine"))
    assert rolled == sorted(m.name for m in api_machines(prod))
    assert out.count("DATABASE_URL=2,DATABASE_URL_PREVIOUS=2") == out.count("DATABASE_URL=3,DATABASE_URL_PREVIOUS=2")


def test_deleting_a_protected_resource_is_flagged_first_and_exits_2(reviewed: Ran) -> None:
    lines = reviewed.stdout.splitlines()
    assert lines[1:4] == [
        "!! PROTECTED aws:kms/key:Key keys-general-replica would be deleted: the change is refused (exit 2)",
        "!! PROTECTED aws:s3/bucket:Bucket backups-replica would be deleted: the change is refused (exit 2)",
        "!! PROTECTED aws:s3/bucket:Bucket backups-replica-access-logs would be deleted: the change is refused "
        "(exit 2)",
    ]
    deleted = [line.split()[-1] for line in lines if line.startswith("- delete ")]
    assert len(deleted) == 27
    assert set(deleted) == {
        "backups-replica",
        "backups-replica-access-logs",
        "backups-replication",
        "keys-general-replica",
        "alerts-operations-events-forward",
        "alerts-operations-kms-key-events-us-west-2",
    }
    assert "- delete aws:s3/bucketReplicationConfig:BucketReplicationConfig backups-replication" in lines


def test_a_stack_file_outside_git_has_no_ref_to_diff_against(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stack = tmp_path / "Pulumi.staging.yaml"
    stack.write_text((ROOT / "Pulumi.staging.yaml").read_text())
    assert main(["diff", str(stack), "HEAD", "--today", TODAY.isoformat()]) == 1
    assert capsys.readouterr().err == (
        f"ops: error: {stack} is not in a git repository: a diff compares with a git ref of its repository\n"
    )


def test_a_ref_whose_code_is_the_running_code_is_planned_in_this_process(tmp_path: Path) -> None:
    """Only the stack file differs (a rotation, a scaling change): no second interpreter, the same rows."""
    from ops.commands.plan import as_json as plan_json
    from ops.offline.at_ref import RefPlan
    from tests.helpers import synth_with

    clone = clone_of_working_tree(tmp_path / "repo")
    head = git(clone, "rev-parse", "HEAD").strip()
    with RefPlan(clone, head, clone / "Pulumi.staging.yaml", TODAY.isoformat(), running=ROOT) as then:
        then.start()
        assert (then.here, then.process) == (True, None)
        assert then.rows() == json.loads(plan_json(synth_with("staging")))


def test_any_other_file_that_differs_plans_the_ref_in_its_own_interpreter(tmp_path: Path) -> None:
    from ops.offline.at_ref import RefPlan, same_code

    clone = clone_of_working_tree(tmp_path / "repo")
    head = git(clone, "rev-parse", "HEAD").strip()
    with RefPlan(clone, head, clone / "Pulumi.staging.yaml", TODAY.isoformat(), running=clone) as then:

        def same() -> bool:
            return same_code(then.tree, "Pulumi.staging.yaml", clone, "Pulumi.staging.yaml")

        assert same()
        (clone / "Pulumi.staging.yaml").write_text("edited: the stack file planned\n")
        assert same()
        ignored = clone / "__pycache__" / "x.pyc"
        ignored.parent.mkdir(exist_ok=True)
        ignored.write_bytes(b"ignored by .gitignore")
        assert same()
        other = clone / "Pulumi.prod.yaml"
        other.write_text(other.read_text() + "# another stack's file\n")
        assert not same()
        git(clone, "checkout", "-q", "--", "Pulumi.prod.yaml")
        (clone / "components" / "README.txt").write_text("new, not ignored\n")
        assert not same()
        (clone / "components" / "README.txt").unlink()
        assert same()
        keys = clone / "components" / "keys" / "kms_keys.py"
        keys.write_text(keys.read_text() + "# one comment more\n")
        assert not same()
        then.start()
        assert then.here is False and then.process is not None
    # leaving the block before the rows were read stops that interpreter and removes the copy
    assert (then.process.returncode, then.tmp.exists()) == (-9, False)


def test_a_ref_whose_stack_file_cannot_be_planned_fails_with_its_error(tmp_path: Path) -> None:
    clone = clone_of_working_tree(tmp_path / "repo")
    path = clone / "Pulumi.staging.yaml"
    good = path.read_text()
    path.write_text(
        good.replace("    rootDirectory: frontend\n", "    rootDirectory: frontend\n    maintenanceMode: maybe\n")
    )
    git(clone, "commit", "-qam", "a stack file that does not load")
    bad = git(clone, "rev-parse", "HEAD").strip()
    path.write_text(good)
    ran = in_process(main, ["diff", str(path), "HEAD", "--today", TODAY.isoformat()])
    assert (ran.returncode, ran.stdout) == (1, "")
    assert ran.stderr == (
        f"ops: error: the plan at {bad[:12]} failed:\n"
        "Stack 'staging': the config cannot be deployed; no resource was registered.\n1 problem(s):\n"
        "  - platform:vercel.maintenanceMode: Input should be a valid boolean (got 'maybe')\n"
    )


def test_the_text_names_a_protected_delete_and_the_refusal() -> None:
    before = [row("backups-replica", {"bucket": "r"}), row("backups-replication", {"role": "x"}, protect=False)]
    text = as_text(compare(before, []), "prod", "HEAD")
    assert text.splitlines() == [
        "Diff of stack 'prod' against HEAD (offline plans): 2 to delete; 0 unchanged.",
        # the refusal comes first, above the changes a reviewer might skim
        "!! PROTECTED aws:s3/bucket:Bucket backups-replica would be deleted: the change is refused (exit 2)",
        "- delete aws:s3/bucket:Bucket backups-replica",
        "- delete aws:s3/bucket:Bucket backups-replication",
    ]


def row(name: str, inputs: dict[str, object], **extra: object) -> dict[str, object]:
    return {
        "type": "aws:s3/bucket:Bucket",
        "name": name,
        "urn": f"urn::{name}",
        "inputs": inputs,
        "protect": True,
        "secretInputs": [],
        "secretDigests": {},
        **extra,
    }


def test_changes_come_in_one_order_whatever_order_the_plans_list_them_in() -> None:
    before = [row("b-gone", {}), row("a-gone", {}), row("kept", {"tags": {"x": "1"}})]
    after = [row("kept", {"tags": {"x": "2"}}), row("z-new", {}), row("c-new", {})]
    orders = {
        tuple((c.action, c.name) for c in compare(b, a).changes)
        for b, a in ((before, after), (before[::-1], after[::-1]))
    }
    assert orders == {
        (("delete", "a-gone"), ("delete", "b-gone"), ("create", "c-new"), ("create", "z-new"), ("update", "kept"))
    }


def test_the_json_has_each_change_its_fields_and_the_refusals() -> None:
    before = [row("replica", {"bucket": "r"}), row("kept", {"tags": {"x": "1"}}, protect=False)]
    after = [row("kept", {"tags": {"x": "2"}}, protect=False)]
    assert json.loads(as_json(compare(before, after))) == {
        "changes": [
            {
                "action": "delete",
                "type": "aws:s3/bucket:Bucket",
                "name": "replica",
                "protect": True,
                "reason": "",
                "fields": [],
            },
            {
                "action": "update",
                "type": "aws:s3/bucket:Bucket",
                "name": "kept",
                "protect": False,
                "reason": "",
                "fields": [{"path": "tags.x", "before": "1", "after": "2"}],
            },
        ],
        "unchanged": 0,
        "outputs": [],
        "protectedReplacedOrDeleted": ["aws:s3/bucket:Bucket replica"],
    }


def test_compare_follows_aliases_and_names_force_new_fields() -> None:
    before = [row("old-name", {"bucket": "a", "tags": {"x": "1"}})]
    after = [row("new-name", {"bucket": "b", "tags": {"x": "2"}}, aliases=["urn::old-name"])]
    diff = compare(before, after)
    assert [(c.action, c.name, c.reason, c.dangerous) for c in diff.changes] == [
        ("replace", "new-name", "bucket cannot change in place", True)
    ]
    assert diff.changes[0].fields == [("bucket", "a", "b"), ("tags.x", "1", "2")]


def test_every_type_a_stack_declares_has_an_in_place_entry() -> None:
    from ops.commands.in_place import IN_PLACE, covered
    from ops.offline.synth import synthesize_stack

    paths = stack_files()
    types = {r.type for p in paths for r in synthesize_stack(str(p), today=TODAY).resources}
    assert sorted(t for t in types if not covered(t)) == []
    # and the table holds no type nothing declares, which would be an entry nobody checks
    assert sorted(set(IN_PLACE) - types) == []


def test_an_input_the_table_does_not_list_replaces_and_a_type_without_entry_replaces_everything() -> None:
    from ops.commands.in_place import replacing

    # the schema's database is ForceNew in the provider; its owner is ALTER SCHEMA ... OWNER TO
    assert replacing("postgresql:index/schema:Schema", ["database", "owner"]) == ["database"]
    # a Fly machine's config updates in place, except auto_destroy (machine.go's ReplaceProps)
    assert replacing("flyio:index:Machine", ["config.image", "config.autoDestroy"]) == ["config.autoDestroy"]
    # dropping the name the provider never sent is an update, not eight restarts from scratch
    assert replacing("flyio:index:Machine", ["name", "deploymentStrategy"]) == []
    # a field no one has read about is a replacement
    assert replacing("aws:sns/topic:Topic", ["displayName", "archivePolicy"]) == ["archivePolicy"]
    assert replacing("aws:new/thing:Thing", ["anything"]) is None
    diff = compare([row("t", {"x": 1}, type="aws:new/thing:Thing")], [row("t", {"x": 2}, type="aws:new/thing:Thing")])
    assert [(c.action, c.reason, c.dangerous) for c in diff.changes] == [
        (
            "replace",
            "no in-place table entry for aws:new/thing:Thing (ops/commands/in_place.py): every change replaces",
            True,
        )
    ]


def test_renaming_the_database_replaces_the_protected_schema_and_is_refused() -> None:
    from ops.commands.plan import as_json as plan_json
    from tests.helpers import synth_with

    before = json.loads(plan_json(synth_with("prod")))
    after = json.loads(plan_json(synth_with("prod", {"platform:postgres": {"database": "learning"}})))
    diff = compare(before, after)
    schema = next(c for c in diff.changes if c.type == "postgresql:index/schema:Schema")
    assert (schema.action, schema.reason, schema.dangerous) == ("replace", "database cannot change in place", True)
    database = next(c for c in diff.changes if c.type == "postgresql:index/database:Database")
    assert (database.action, database.fields) == (
        "update",
        [("name", "learning_accelerator", "learning"), ("owner", "learning_accelerator_owner", "learning_owner")],
    )
    assert "!! PROTECTED postgresql:index/schema:Schema postgres-schema would be replaced" in as_text(
        diff, "prod", "HEAD"
    )


def test_a_moved_stack_file_is_compared_with_its_old_path(tmp_path: Path) -> None:
    """At 0babc32, Parker Flight's stack file was products/parker-flight/Pulumi.prod.yaml: git follows the
    move, so the diff compares the same stack instead of calling all of it new."""
    import re

    clone = clone_of_working_tree(tmp_path / "repo")
    path = clone / "Pulumi.parker-flight-prod.yaml"
    ran = in_process(main, ["diff", str(path), "0babc32", "--today", TODAY.isoformat()])
    first = ran.stdout.splitlines()[0]
    found = re.search(r"; (\d+) unchanged\.$", first)
    assert found is not None and int(found.group(1)) >= 50, first
    # the only new resources since then are the dashboard's (issue 20), not the whole stack
    created = [line.split()[-1] for line in ran.stdout.splitlines() if line.startswith("+ create ")]
    assert created == ["alerts-dashboard", "alerts-dashboard"], ran.stdout


def test_a_change_that_breaks_a_mandatory_control_is_named_and_exits_3(tmp_path: Path) -> None:
    """A fork's pull request gets no `pulumi preview`, so the offline diff runs the policy pack on the new
    plan: a code change that turns off key rotation is listed and fails the check."""
    import subprocess
    import sys

    clone = clone_of_working_tree(tmp_path / "repo")
    keys = clone / "components" / "keys" / "kms_keys.py"
    keys.write_text(keys.read_text().replace("enable_key_rotation=True", "enable_key_rotation=False", 1))
    ran = subprocess.run(
        [sys.executable, "-m", "ops", "diff", "staging", "HEAD", "--today", TODAY.isoformat()],
        cwd=clone,
        capture_output=True,
        text=True,
        check=False,
    )
    assert ran.returncode == 3, ran.stderr
    assert ran.stdout.splitlines()[0].startswith("Diff of stack 'staging' against HEAD (offline plans): 3 to update;")
    assert ran.stderr.splitlines() == [
        "Policy pack: 3 violation(s), 3 mandatory:",
        *(
            f"  [mandatory] kms-rotation: keys-{purpose}: automatic key rotation is off"
            for purpose in ("alerts", "general", "watchdog")
        ),
    ]
