"""Maintenance windows: runbook 000's monthly window, as alarm mute rules for its next occurrences."""
