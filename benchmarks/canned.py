"""The canned JSON the benchmark server answers with, shaped as the spec's section 3.

Every body is what a real InfluxDB 2.x writes: tab-indented, no trailing newline, every key
present in the server's order, Go's nanosecond RFC 3339 timestamps. The same bytes feed the
in-process transport of the memory workload, so both see identical responses.
"""

from __future__ import annotations

import json
from typing import Any, Final

from aioinflux_legacyauth._converter import DEFAULT_PREFIX

#: Where the server answers: the library's own default prefix.
PREFIX: Final = DEFAULT_PREFIX
ORG_ID: Final = "4e7a6b1c2d3f5a6b"
USER_ID: Final = "0d9c39f0a1b2c000"
FIRST_ID: Final = 0x0D9C3A1E5B2F4000
JSON_TYPE: Final = "application/json; charset=utf-8"
#: Headers every response of a real server carries (spec section 1).
SERVER_HEADERS: Final = {"X-Influxdb-Build": "OSS", "X-Influxdb-Version": "v2.7.12"}

_ID_MARK: Final = "@@ID@@"


def auth_id(index: int) -> str:
    """The 16-hex-character ID of the ``index``-th canned authorization."""
    return f"{FIRST_ID + index:016x}"


def authorization(index: int, *, identifier: str | None = None) -> dict[str, Any]:
    """One authorization document, all keys in the server's order."""
    ident = auth_id(index) if identifier is None else identifier
    return {
        "id": ident,
        "token": f"user-{index:06d}",
        "status": "active" if index % 5 else "inactive",
        "description": f"benchmark credential {index}",
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
        "links": {"self": f"{PREFIX}/{ident}", "user": f"/api/v2/users/{USER_ID}"},
        "createdAt": "2024-05-01T12:34:56.789012345Z",
        "updatedAt": "2024-05-01T12:34:56.789012345Z",
    }


def render(document: Any) -> bytes:
    """Serialize as the server does: tab indentation, no trailing newline."""
    return json.dumps(document, indent="\t").encode()


def list_body(count: int) -> bytes:
    """The body of ``GET {PREFIX}`` listing ``count`` authorizations."""
    return render(
        {"links": {"self": PREFIX}, "authorizations": [authorization(i) for i in range(count)]}
    )


class AuthorizationTemplate:
    """The single-authorization body with the ID spliced in per request, at no cost."""

    def __init__(self) -> None:
        # Index 0 is inactive, as every item is after the bulk PATCH the benchmark sends.
        text = render(authorization(0, identifier=_ID_MARK)).decode()
        self._parts = [part.encode() for part in text.split(_ID_MARK)]
        document = authorization(0)
        document["token"] = _ID_MARK
        text = render({"links": {"self": PREFIX}, "authorizations": [document]}).decode()
        self._list_parts = [part.encode() for part in text.split(_ID_MARK)]

    def body(self, identifier: str) -> bytes:
        """The 200 body of a GET or PATCH of ``identifier``."""
        return identifier.encode().join(self._parts)

    def listing(self, username: str) -> bytes:
        """The list body of a lookup by ``username``: that one authorization."""
        return json.dumps(username)[1:-1].encode().join(self._list_parts)
