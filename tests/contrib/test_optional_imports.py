"""The extras stay optional: the package neither needs nor imports OpenTelemetry or
aiobotocore, whether they are installed or not. Each check runs in a fresh interpreter."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

OPTIONAL = ("opentelemetry", "aiobotocore", "botocore", "moto")

#: Blocks the optional packages, as if they were not installed.
_BLOCK = """
import importlib.abc, sys
class Absent(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None
sys.meta_path.insert(0, Absent())
"""

#: Uses the library as an application would: the CLI, a call, a bulk job, a rotation.
_USE = """
import asyncio, json, sys, tempfile, pathlib
import aioinflux_legacyauth, aioinflux_legacyauth.cli, aioinflux_legacyauth.contrib
from aioinflux_legacyauth import LegacyAuthClient
from aioinflux_legacyauth.rotation import FileSink, Target, rotate
from aioinflux_legacyauth import RawResponse
from aioinflux_legacyauth.testing import MockTransport, json_response

AUTH = {
    "id": "0d9c3a1e5b2f4000", "token": "telegraf", "status": "active", "orgID": "4e7a6b1c2d3f5a6b",
    "userID": "0d9c39f0a1b2c000", "permissions": [], "createdAt": "2024-05-01T12:34:56Z",
    "updatedAt": "2024-05-01T12:34:56Z",
}

def handler(request):
    if request.path == "/query":
        return json_response(200, {"results": [{"statement_id": 0}]})
    if request.path.endswith("/password"):
        return RawResponse(204, {}, b"")
    return json_response(200, AUTH)

async def main():
    transport = MockTransport(handler)
    async with LegacyAuthClient("http://x.test", "token", transport=transport) as client:
        await client.get(AUTH["id"])
        report = await client.bulk_update([AUTH["id"]] * 3, status="inactive")
        folder = pathlib.Path(tempfile.mkdtemp())
        rotated = await rotate(
            client, [Target(AUTH["id"], "telegraf")], journal=folder / "journal",
            sink=FileSink(folder / "out.json"),
        )
    return [report.all_ok, rotated.all_ok]

outcome = asyncio.run(main())
loaded = sorted({name.split(".")[0] for name in sys.modules} & set(OPTIONAL))
print(json.dumps({"ok": outcome, "loaded": loaded}))
"""


def run_python(source: str) -> dict[str, object]:
    source = f"BLOCKED = OPTIONAL = {OPTIONAL!r}\n" + textwrap.dedent(source)
    done = subprocess.run(  # noqa: S603 - this interpreter, our own code
        [sys.executable, "-c", source],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout.splitlines()[-1])
    return result


@pytest.mark.parametrize("installed", [True, False], ids=["installed", "not-installed"])
def test_the_package_works_without_importing_the_extras(installed: bool) -> None:
    source = _USE if installed else _BLOCK + _USE
    assert run_python(source) == {"ok": [True, True], "loaded": []}


@pytest.mark.parametrize(
    ("module", "extra"),
    [("aioinflux_legacyauth.contrib.otel", "otel"), ("aioinflux_legacyauth.contrib.aws", "aws")],
)
def test_a_contrib_module_without_its_extra_names_the_extra(module: str, extra: str) -> None:
    source = _BLOCK + textwrap.dedent(f"""
        import json
        try:
            import {module}
        except ImportError as error:
            print(json.dumps({{"error": str(error)}}))
        """)
    assert run_python(source) == {
        "error": f"{module} needs: pip install 'aioinflux-legacyauth[{extra}]'"
    }
