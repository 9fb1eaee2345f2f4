"""`ops audit --state/--history`: controls judged on the deployed resources, the drift between code and
state, and each update beside the commit it came from.

The export is built in the shape of `pulumi stack export` (an UntypedDeployment: pulumi/pulumi
sdk/go/common/apitype/core.go, DeploymentV3 and ResourceV3; the Pulumi Cloud REST API's "Export stack"
example), from prod's own plan, as a `pulumi up` of it would leave it. The history fixture,
tests/fixtures/pulumi-stack-history.json, has the fields of updateInfoJSON (pulumi/pulumi
pkg/cmd/pulumi/stack/stack_history.go) and the environment keys of pkg/backend/updates.go.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from components.shared.sdk_internals import SECRET_SIG, SECRET_SIG_KEY
from ops.__main__ import main
from ops.offline.stackfile import ROOT
from ops.offline.synth import Synth
from tests.helpers import TODAY, clone_of_working_tree, git, in_process

HISTORY = ROOT / "tests" / "fixtures" / "pulumi-stack-history.json"


def sealed(value: Any) -> dict[str, str]:
    digest = hashlib.sha256(json.dumps(value, default=str).encode()).hexdigest()
    return {SECRET_SIG_KEY: SECRET_SIG, "ciphertext": f"v1:{digest[:24]}"}


def export_of(synth: Synth) -> dict[str, Any]:
    """prod as deployed: every resource with its inputs (secrets sealed), outputs, parent and provider."""

    def inputs(r: Any) -> dict[str, Any]:
        out = json.loads(json.dumps(r.inputs))
        for path in r.secret_paths:
            top = path.split(".")[0].split("[")[0]
            if top in out:
                out[top] = sealed(out[top])
        return out

    stack_urn = "urn:pulumi:prod::platform::pulumi:pulumi:Stack::platform-prod"
    resources: list[dict[str, Any]] = [
        {"urn": stack_urn, "custom": False, "type": "pulumi:pulumi:Stack", "outputs": {"backupBucket": "real"}}
    ]
    for r in synth.resources:
        row: dict[str, Any] = {"urn": r.urn, "custom": r.custom, "type": r.type, "parent": r.parent or stack_urn}
        if r.custom:
            row |= {"id": r.outputs.get("id") or f"{r.name}-id", "inputs": inputs(r), "outputs": r.outputs}
            row["provider"] = (
                r.provider or f"urn:pulumi:prod::platform::pulumi:providers:{r.type.split(':')[0]}::default::x"
            )
        if r.protect:
            row["protect"] = True
        resources.append(row)
    return {
        "version": 3,
        "deployment": {
            "manifest": {"time": "2026-11-23T10:04:37.123Z", "magic": "0" * 64, "version": "v3.272.0"},
            "secrets_providers": {"type": "passphrase", "state": {"salt": "v1:c2FsdA==:v1:aXY=:Y2lwaGVy"}},
            "resources": resources,
        },
    }


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return clone_of_working_tree(tmp_path_factory.mktemp("state") / "repo")


def run(clone: Path, tmp_path: Path, export: dict[str, Any], *more: str) -> tuple[int, dict[str, Any]]:
    state = tmp_path / "export.json"
    state.write_text(json.dumps(export))
    history = tmp_path / "history.json"
    history.write_text(HISTORY.read_text().replace("{HEAD}", git(clone, "rev-parse", "HEAD").strip()))
    argv = ["audit", str(clone / "Pulumi.prod.yaml"), "--state", str(state), "--history", str(history)]
    ran = in_process(main, [*argv, "--today", TODAY.isoformat(), "--json", *more])
    assert ran.stderr == ""
    return ran.returncode, json.loads(ran.stdout)


def test_the_state_as_deployed_passes_and_has_no_drift(clone: Path, tmp_path: Path, prod: Synth) -> None:
    code, report = run(clone, tmp_path, export_of(prod))
    deployed = report["deployed"]
    assert (code, deployed["drift"]) == (0, [])
    assert deployed["resources"] == sum(r.custom and not r.type.startswith("pulumi:providers:") for r in prod.resources)
    assert {c["status"] for c in deployed["controls"]} <= {"pass", "not applicable"}
    bucket = next(f for f in deployed["identifiers"] if f["urn"].endswith("::backups"))
    assert (bucket["arn"], bucket["region"], bucket["source"]) == (
        f"arn:aws:s3:::{prod.outputs['backupBucket']}",
        "us-east-1",
        "state",
    )


def test_a_deployed_change_fails_its_control_and_shows_as_drift(clone: Path, tmp_path: Path, prod: Synth) -> None:
    export = export_of(prod)
    resources = export["deployment"]["resources"]
    versioning = next(r for r in resources if r["type"] == "aws:s3/bucketVersioning:BucketVersioning")
    versioning["inputs"]["versioningConfiguration"]["status"] = "Suspended"  # changed by hand in the console
    domain = next(r for r in resources if r["type"] == "vercel:index/projectDomain:ProjectDomain")
    resources.remove(domain)  # never deployed
    resources.append({**domain, "urn": domain["urn"].replace("frontend-app", "frontend-old")})  # left behind
    code, report = run(clone, tmp_path, export)
    assert code == 3
    failed = [c for c in report["deployed"]["controls"] if c["status"] == "fail"]
    assert [(c["id"], c["failures"], c["source"]) for c in failed] == [
        (
            "buckets-versioned",
            [{"resource": versioning["urn"].split("::")[-1], "reason": "versioning is not enabled"}],
            "state",
        )
    ]
    drift = {d["resource"]: (d["what"], d["fields"]) for d in report["deployed"]["drift"]}
    name = domain["urn"].split("::")[-1]
    assert drift == {
        f"vercel:index/projectDomain:ProjectDomain {name}": ("declared, not deployed", []),
        f"vercel:index/projectDomain:ProjectDomain {name.replace('frontend-app', 'frontend-old')}": (
            "deployed, no longer declared",
            [],
        ),
        f"aws:s3/bucketVersioning:BucketVersioning {versioning['urn'].split('::')[-1]}": (
            "deployed differently (update at the next `pulumi up`)",
            ["versioningConfiguration.status"],
        ),
    }


def test_each_update_beside_its_commit_and_a_laptop_update_flagged(clone: Path, tmp_path: Path, prod: Synth) -> None:
    _, report = run(clone, tmp_path, export_of(prod))
    head = git(clone, "rev-parse", "HEAD").strip()
    subject = git(clone, "log", "-1", "--format=%s").strip()
    assert [
        (u["version"], u["kind"], u["result"], u["commit"], u["commitSubject"], u["flags"]) for u in report["updates"]
    ] == [
        (3, "update", "succeeded", head, subject, []),
        (
            2,
            "update",
            "failed",
            "0123456789abcdef0123456789abcdef01234567",
            None,
            [
                "no matching commit in this repository: a `pulumi up` from outside it (a laptop?)",
                "applied from a tree with uncommitted changes",
            ],
        ),
        (
            1,
            "refresh",
            "succeeded",
            None,
            None,
            ["no matching commit in this repository: a `pulumi up` from outside it (a laptop?)"],
        ),
    ]
    assert report["updates"][0]["resourceChanges"] == {"same": 171, "update": 1}


def test_a_file_that_is_not_an_export_is_one_line(clone: Path, tmp_path: Path) -> None:
    bad = tmp_path / "not-an-export.json"
    bad.write_text('{"resources": []}')
    ran = in_process(main, ["audit", str(clone / "Pulumi.prod.yaml"), "--state", str(bad)])
    assert (ran.returncode, ran.stderr) == (
        1,
        f"ops: error: {bad} is not a `pulumi stack export` (an object with version 3 and a deployment)\n",
    )
