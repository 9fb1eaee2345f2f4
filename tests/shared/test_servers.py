"""tests/servers.py: the worker's plain moto server is shared, each user finds it empty, and a user
nested inside another gets a server of its own."""

from __future__ import annotations

from typing import Any

import pytest

from tests.servers import moto_server

pytestmark = pytest.mark.integration


def buckets(client: Any) -> list[str]:
    return [b["Name"] for b in client.list_buckets()["Buckets"]]


def test_each_user_of_the_plain_server_finds_it_empty() -> None:
    with moto_server() as first:
        client: Any = first.client()
        client.create_bucket(Bucket="left-behind")
        assert buckets(client) == ["left-behind"]
        with moto_server() as nested:
            assert nested.endpoint != first.endpoint and buckets(nested.client()) == []
    with moto_server() as second:
        assert second.endpoint == first.endpoint
        assert buckets(second.client()) == []
