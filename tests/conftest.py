"""Fixtures shared by the whole suite."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

pytest_plugins = ["tests._servers"]  # --server: the emulator, a real influxd or a user's InfluxDB

ORG_ID = "4e7a6b1c2d3f5a6b"
USER_ID = "0d9c39f0a1b2c000"
AUTH_ID = "0d9c3a1e5b2f4000"


def authorization_document(**overrides: Any) -> dict[str, Any]:
    """One authorization as the server writes it (spec section 3), with overrides."""
    auth_id = overrides.pop("id", AUTH_ID)
    document: dict[str, Any] = {
        "id": auth_id,
        "token": "telegraf",
        "status": "active",
        "description": "",
        "orgID": ORG_ID,
        "org": "my-org",
        "userID": USER_ID,
        "user": "admin",
        "permissions": [
            {
                "action": "write",
                "resource": {
                    "type": "buckets",
                    "id": "8f1e2d3c4b5a6978",
                    "orgID": ORG_ID,
                    "name": "telegraf",
                    "org": "my-org",
                },
            }
        ],
        "links": {
            "self": f"/private/legacy/authorizations/{auth_id}",
            "user": f"/api/v2/users/{USER_ID}",
        },
        "createdAt": "2024-05-01T12:34:56.789012345Z",
        "updatedAt": "2024-05-01T12:34:56.789012345Z",
    }
    document.update(overrides)
    return document


@pytest.fixture
def auth_body() -> Callable[..., bytes]:
    """Build a tab-indented authorization body like the real server's."""

    def build(**overrides: Any) -> bytes:
        return json.dumps(authorization_document(**overrides), indent="\t").encode()

    return build


@pytest.fixture
def list_body() -> Callable[..., bytes]:
    """Build a tab-indented list body from authorization documents."""

    def build(*documents: dict[str, Any]) -> bytes:
        body = {
            "links": {"self": "/private/legacy/authorizations"},
            "authorizations": list(documents),
        }
        return json.dumps(body, indent="\t").encode()

    return build


@pytest.fixture
def auth_doc() -> Callable[..., dict[str, Any]]:
    """Build one authorization document (a dict) like the real server's."""
    return authorization_document
