"""ops/offline/sdk.py: the SDKs are imported once, with the cyclic collector off, and frozen once imported."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from ops.offline import sdk


@pytest.fixture
def not_yet_imported(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[bool]]:
    """A stand-in import that makes objects which live on, as modules do; yields whether gc ran during it."""
    made: list[list[int]] = []
    collecting: list[bool] = []

    def stand_in() -> None:
        collecting.append(gc.isenabled())
        made.extend([i] for i in range(5000))

    gc.collect()  # the freeze below keeps whatever the worker still holds
    monkeypatch.setattr(sdk, "_imported", False)
    monkeypatch.setattr(sdk, "_import", stand_in)
    yield collecting
    assert gc.isenabled()


def test_the_collector_is_off_while_the_sdks_are_made_and_never_walks_them_after(
    not_yet_imported: list[bool],
) -> None:
    frozen = gc.get_freeze_count()
    sdk.import_provider_sdks()
    assert not_yet_imported == [False] and gc.isenabled()
    assert gc.get_freeze_count() >= frozen + 5000
    after = gc.get_freeze_count()
    assert sdk.import_provider_sdks() == 0.0  # once: a second call neither imports nor freezes what came since
    assert (not_yet_imported, gc.get_freeze_count()) == ([False], after)


def test_a_caller_that_turned_the_collector_off_finds_it_off(not_yet_imported: list[bool]) -> None:
    gc.disable()
    try:
        sdk.import_provider_sdks()
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_failed_import_turns_the_collector_back_on_and_is_tried_again(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken() -> None:
        raise ImportError("No module named 'pulumi_flyio'")

    monkeypatch.setattr(sdk, "_imported", False)
    monkeypatch.setattr(sdk, "_import", broken)
    frozen = gc.get_freeze_count()
    with pytest.raises(ImportError, match="pulumi_flyio"):
        sdk.import_provider_sdks()
    assert gc.isenabled() and gc.get_freeze_count() == frozen
    with pytest.raises(ImportError, match="pulumi_flyio"):
        sdk.import_provider_sdks()


@pytest.mark.parametrize(
    ("argv", "imports_first"),
    [
        (["plan", "prod"], True),
        (["diff", "prod"], True),
        (["audit", "prod"], True),
        (["verify", "prod"], False),  # neither runs the program: the provider SDKs would be 0.6 s for nothing
        (["restore-drill", "prod"], False),
    ],
)
def test_the_commands_that_run_the_program_import_the_sdks_before_anything_imports_pulumi(
    monkeypatch: pytest.MonkeyPatch, argv: list[str], imports_first: bool
) -> None:
    import ops.__main__ as cli

    calls: list[str] = []

    def imported() -> float:
        calls.append("sdks")
        return 0.0

    def loaded(stack: str, then: object) -> int:
        calls.append(f"read {stack}")
        return 0

    monkeypatch.setattr(sdk, "import_provider_sdks", imported)
    monkeypatch.setattr(cli, "_loaded", loaded)
    assert cli.main(argv) == 0
    assert calls == [*(["sdks"] if imports_first else []), "read prod"]
