"""What clients probe first: ``/ping``, ``/health``, ``/ready``, ``/metrics``, ``GET
/api/v2``, ``/api/v2/setup``, and the UI page every other top-level path gets.

None of these needs credentials (except ``/api/v2/setup`` reached with a trailing slash,
which goes through the API's authentication first). Bodies are the real handlers' bytes:
``/health`` is a hand-formatted line with spaces after its commas, ``/ready`` is
``json.Encoder`` with four-space indentation, ``GET /api/v2`` is compact with sorted keys.
"""

from __future__ import annotations

import json
import time
from datetime import UTC
from email.utils import format_datetime
from typing import Final

from aiohttp import web

from ..._converter import format_timestamp
from ..domain.errors import CONFLICT, FORBIDDEN, INTERNAL, PlatformError
from ..wire.gojson import GoJSONError, GoStruct, go_decode
from ..wire.gotime import go_duration
from ..wire.responses import empty_response, error_response, json_response, text_not_found
from .body import read_body
from .state import EmulatorState

__all__ = [
    "api_links",
    "serve_health",
    "serve_metrics",
    "serve_ping",
    "serve_ready",
    "serve_setup",
    "serve_ui",
]

_PING_ALLOW: Final = "GET, HEAD, OPTIONS"
_UTF8_JSON: Final = "application/json; charset=utf-8"
_METRICS_TYPE: Final = "text/plain; version=0.0.4; charset=utf-8; escaping=values"
_INDEX_HTML: Final = (
    b'<!DOCTYPE html>\n<html>\n<head>\n<meta charset="utf-8">\n<title>InfluxDB</title>\n'
    b'</head>\n<body>\n<div id="react-root" data-basepath=""></div>\n</body>\n</html>\n'
)
# http/api_handler.go apiLinks, as json.Encoder writes it: sorted keys, compact, "\n".
_LINKS: Final = {
    "authorizations": "/api/v2/authorizations",
    "backup": "/api/v2/backup",
    "buckets": "/api/v2/buckets",
    "checks": "/api/v2/checks",
    "dashboards": "/api/v2/dashboards",
    "delete": "/api/v2/delete",
    "external": {"statusFeed": "https://www.influxdata.com/feed/json"},
    "flags": "/api/v2/flags",
    "labels": "/api/v2/labels",
    "me": "/api/v2/me",
    "notificationEndpoints": "/api/v2/notificationEndpoints",
    "notificationRules": "/api/v2/notificationRules",
    "orgs": "/api/v2/orgs",
    "plugins": "/api/v2/telegraf/plugins",
    "query": {
        "analyze": "/api/v2/query/analyze",
        "ast": "/api/v2/query/ast",
        "self": "/api/v2/query",
        "suggestions": "/api/v2/query/suggestions",
    },
    "restore": "/api/v2/restore",
    "scrapers": "/api/v2/scrapers",
    "setup": "/api/v2/setup",
    "signin": "/api/v2/signin",
    "signout": "/api/v2/signout",
    "sources": "/api/v2/sources",
    "swagger": "/api/v2/swagger.json",
    "system": {"debug": "/debug/pprof", "health": "/health", "metrics": "/metrics"},
    "tasks": "/api/v2/tasks",
    "telegrafs": "/api/v2/telegrafs",
    "users": "/api/v2/users",
    "variables": "/api/v2/variables",
    "write": "/api/v2/write",
}
# The onboarding request; only whether it decodes matters once setup is done.
_ONBOARDING: Final = GoStruct(
    "OnboardingRequest",
    "influxdb.OnboardingRequest",
    (),
)


def serve_ping(request: web.Request) -> web.Response:
    """``GET``/``HEAD`` ``/ping``: 204 whatever the parameters (``verbose`` included);
    ``OPTIONS``: 200 with ``Allow``; anything else httprouter's text 405."""
    if request.method in ("GET", "HEAD"):
        return empty_response(204)
    if request.method == "OPTIONS":
        return web.Response(status=200, headers={"Allow": _PING_ALLOW})
    return web.Response(
        status=405,
        body=b"Method Not Allowed\n",
        headers={
            "Allow": _PING_ALLOW,
            "Content-Type": "text/plain; charset=utf-8",
            "X-Content-Type-Options": "nosniff",
        },
    )


def serve_health(state: EmulatorState) -> web.StreamResponse:
    """``/health`` (any method, any sub-path): the fixed line ``http/health.go`` prints."""
    profile = state.profile
    line = (
        '{"name":"influxdb", "message":"ready for queries and writes", "status":"pass", '
        f'"checks":[], "version": {json.dumps(profile.version)}, '
        f'"commit": {json.dumps(state.commit)}}}\n'
    )
    return web.Response(status=200, body=line.encode(), headers={"Content-Type": _UTF8_JSON})


def serve_ready(state: EmulatorState) -> web.StreamResponse:
    """``/ready``: status, start time (server zone) and uptime, four-space indented."""
    up = time.monotonic_ns() - state.started_monotonic_ns
    body = json.dumps(
        {"status": "ready", "started": format_timestamp(state.started), "up": go_duration(up)},
        indent=4,
    )
    return web.Response(
        status=200, body=(body + "\n").encode(), headers={"Content-Type": _UTF8_JSON}
    )


def serve_metrics(state: EmulatorState) -> web.StreamResponse:
    """``/metrics``: Prometheus text of what the emulator counts; 403 when disabled."""
    if not state.metrics:
        return error_response(PlatformError(FORBIDDEN, "metrics disabled"), compact=True)
    lines = [
        "# HELP http_api_requests_total Number of http requests received",
        "# TYPE http_api_requests_total counter",
    ]
    for (method, path, code, agent), count in sorted(state.request_counts.items()):
        labels = (
            f'handler="platform",method="{method}",path="{_label(path)}",'
            f'response_code="{code}",status="{code // 100}XX",user_agent="{_label(agent)}"'
        )
        lines.append(f"http_api_requests_total{{{labels}}} {count}")
    lines += [
        "# HELP influxdb_info Information about the influxdb environment.",
        "# TYPE influxdb_info gauge",
        f'influxdb_info{{build_date="",commit="{_label(state.commit)}",'
        f'version="{_label(state.profile.version)}"}} 1',
    ]
    return web.Response(
        status=200, body=("\n".join(lines) + "\n").encode(), headers={"Content-Type": _METRICS_TYPE}
    )


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def api_links() -> web.StreamResponse:
    """``GET /api/v2``: the links document, as ``json.Encoder`` writes it."""
    body = json.dumps(_LINKS, separators=(",", ":"), sort_keys=True) + "\n"
    return web.Response(status=200, body=body.encode(), headers={"Content-Type": _UTF8_JSON})


async def serve_setup(request: web.Request, state: EmulatorState) -> web.StreamResponse:
    """``/api/v2/setup`` on a set-up server: GET says not allowed; POST decodes its body
    first (a bad one is a 500 with the decoder's text), then refuses with 422."""
    if request.method == "GET":
        return json_response(200, {"allowed": False})
    if request.method != "POST":
        return empty_response(405)
    try:
        go_decode(await read_body(request), _ONBOARDING)
    except GoJSONError as exc:
        return error_response(PlatformError(INTERNAL, str(exc)))
    return error_response(PlatformError(CONFLICT, "onboarding has already been completed"))


def serve_ui(state: EmulatorState) -> web.StreamResponse:
    """The UI's ``index.html`` (the SPA answers every path), or Go's text 404 without a UI.

    Headers as ``static.go`` sets them; the ETag is its size-and-time formula over the
    emulator's start time, which stands in for the build time.
    """
    if not state.ui:
        return text_not_found()
    built = state.started.astimezone(UTC)
    etag = f'"{len(_INDEX_HTML)}{built.day}{built.hour}{built.minute}{built.second}"'
    return web.Response(
        status=200,
        body=_INDEX_HTML,
        headers={
            "Accept-Ranges": "bytes",
            "Cache-Control": "public, max-age=3600",
            "Content-Type": "text/html; charset=utf-8",
            "ETag": etag,
            "Last-Modified": format_datetime(built, usegmt=True),
        },
    )
