"""`platform:dashboard`: the key-metrics dashboard, built from `platform:alerts` whenever it has something to
show. The section only turns it off or adds links (a Supabase or status page) beside the Fly and Vercel ones."""

from __future__ import annotations

from pydantic import Field

from components.alerting.config import HttpsUrl
from components.shared.base import Model


class DashboardConfig(Model):
    enabled: bool = True
    links: dict[str, HttpsUrl] = Field(default_factory=dict)  # title -> URL, in the dashboard's text widget
