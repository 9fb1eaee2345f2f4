"""Synthetic golden paths: CloudWatch Synthetics canaries from `platform:synthetics` and `canaries/`."""
