"""Rules that no single stack file can check: they compare the stacks of one AWS account."""

from __future__ import annotations

from components.shared.stack import StackConfig


def shared_slack_channels(stacks: dict[str, StackConfig]) -> list[str]:
    """Slack channels two stacks of one AWS account both configure in Chatbot, which allows one configuration
    per channel per account: the second stack's `pulumi up` would fail. Stacks without accountId are not
    compared (one stack file cannot know which others share its account)."""
    owners: dict[tuple[str, str, str], list[str]] = {}
    for stack, cfg in sorted(stacks.items()):
        if cfg.account_id is None or cfg.alerts is None:
            continue
        channels = {(c.slack.workspace_id, c.slack.channel_id) for c in cfg.alerts.channels.values() if c.slack}
        for workspace, channel in sorted(channels):
            owners.setdefault((cfg.account_id, workspace, channel), []).append(stack)
    return [
        f"account {account}: Slack channel {channel} (workspace {workspace}) is configured by stacks "
        f"{', '.join(names)}; Chatbot allows one configuration per channel per account"
        for (account, workspace, channel), names in sorted(owners.items())
        if len(names) > 1
    ]
