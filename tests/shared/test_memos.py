"""tests/memos.py: a repeat of the same inputs is answered from the memo, as a copy; any changed input is
worked out anew, and a failure is never kept."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

import ops.offline.synth as synth_module
from components.shared.loader import ConfigError
from ops.offline.stackfile import ROOT, read
from tests import memos
from tests.helpers import TODAY, stack_config


def counted(*args: object, **kwargs: object) -> tuple[synth_module.Synth, dict[str, int]]:
    before = dict(memos.stats)
    synth = synth_module.synthesize(*args, **kwargs)  # type: ignore[arg-type]
    return synth, {k: memos.stats[k] - before[k] for k in before}


def canonical(resource: synth_module.Resource) -> tuple[object, ...]:
    """Registration order, and the order of each resource's dependencies (a set in the SDK), vary from
    one run to the next."""
    return dataclasses.astuple(dataclasses.replace(resource, dependencies=sorted(resource.dependencies)))


def test_the_same_inputs_answer_from_the_memo_with_a_copy_no_caller_can_spoil() -> None:
    config, secret_keys = stack_config("staging", {"platform:fly": {"regions": {"iad": 2}}})
    first, _ = counted("staging", config, secret_keys, today=TODAY)
    first.resources.clear()  # a caller's mutation
    again, delta = counted("staging", config, secret_keys, today=TODAY)
    assert delta == {"hits": 1, "misses": 0}
    real = memos._original("staging", config, secret_keys, TODAY)  # what a run without the memo registers
    assert sorted(map(canonical, again.resources)) == sorted(map(canonical, real.resources))
    assert (len(again.resources), again.outputs, again.warnings) == (116, real.outputs, real.warnings)
    _, delta = counted("staging", config, secret_keys, today=TODAY + dt.timedelta(days=1))
    assert delta == {"hits": 0, "misses": 1}  # the date the program judges staleness on is an input


def test_a_failure_is_raised_every_time_and_never_kept() -> None:
    config, secret_keys = stack_config("staging", {"platform:fly": {"regions": {"atlantis": 1}}})
    for _ in range(2):
        with pytest.raises(ConfigError):
            counted("staging", config, secret_keys, today=TODAY)
    assert not any(key[1] == memos.json.dumps(config, sort_keys=True, default=repr) for key in memos._plans)


def test_a_rewritten_stack_file_is_read_anew(tmp_path: Path) -> None:
    path = tmp_path / "Pulumi.staging.yaml"
    text = (ROOT / "Pulumi.staging.yaml").read_text()
    path.write_text(text)
    first = read(path, "staging")
    first.config.clear()  # a caller's mutation
    assert read(path, "staging").config != {}
    path.write_text(text.replace("config:\n", "config:\n  platform:probe: 1\n", 1))
    assert read(path, "staging").config["platform:probe"] == 1
