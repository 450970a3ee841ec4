"""The ``legacyauth_emulator`` fixture, used the way a project that installed us would."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.emulator_only(reason="the emulator's pytest fixture for other projects")

USER_TESTS = """
import json
import urllib.error
import urllib.request

import pytest


def _get(url, token=None):
    request = urllib.request.Request(url)
    if token:
        request.add_header("Authorization", "Token " + token)
    with urllib.request.urlopen(request) as response:
        return response.status, response.read()


def test_seed_and_read_back(legacyauth_emulator):
    emu = legacyauth_emulator
    auth = emu.create_legacy_authorization("grafana", password="grafana-password")
    status, body = _get(emu.url + "/private/legacy/authorizations", emu.token)
    assert status == 200
    assert [a["id"] for a in json.loads(body)["authorizations"]] == [auth.id]
    status, _ = _get(emu.url + "/query?u=grafana&p=grafana-password&q=SHOW+DATABASES")
    assert status == 200
    assert set(emu.buckets) == {"my-bucket"}
    assert emu.requests.count("GET", "/query") == 1


def test_each_test_gets_a_fresh_server(legacyauth_emulator):
    status, body = _get(
        legacyauth_emulator.url + "/private/legacy/authorizations", legacyauth_emulator.token
    )
    assert json.loads(body)["authorizations"] == []


def test_restricted_token(legacyauth_emulator):
    from aioinflux_legacyauth.emulator import permission

    emu = legacyauth_emulator
    token = emu.mint_token([permission("read", "buckets")])
    with pytest.raises(urllib.error.HTTPError) as caught:
        _get(emu.url + "/private/legacy/authorizations/" + "0" * 15 + "1", token)
    caught.value.close()
    assert caught.value.code == 404
"""

CUSTOM_OPTIONS = """
import pytest


@pytest.fixture
def legacyauth_emulator_options():
    return {"buckets": ["a", "b"], "org": "acme", "token": "fixed-token"}


def test_options_apply(legacyauth_emulator):
    assert set(legacyauth_emulator.buckets) == {"a", "b"}
    assert legacyauth_emulator.org == "acme"
    assert legacyauth_emulator.token == "fixed-token"
"""


def _run_pytest(directory: Path) -> subprocess.CompletedProcess[str]:
    # A directory of its own (no ini file), and no pytest-asyncio: the fixture must need
    # nothing but this package and pytest.
    command = ["-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:asyncio", "-W", "error"]
    return subprocess.run(  # noqa: S603 - this interpreter, a fixed argument list
        [sys.executable, *command, "."],
        cwd=directory,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_fixture_works_in_a_project_that_only_installed_the_package(tmp_path: Path) -> None:
    """The pytest11 entry point provides the fixture: seeding, requests, option override."""
    (tmp_path / "test_user_project.py").write_text(textwrap.dedent(USER_TESTS))
    (tmp_path / "test_custom_options.py").write_text(textwrap.dedent(CUSTOM_OPTIONS))
    result = _run_pytest(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 passed" in result.stdout


LOAD_THE_PLUGIN = """
import json
import sys
from importlib.metadata import entry_points

(plugin,) = [ep for ep in entry_points(group="pytest11") if ep.name == "legacyauth_emulator"]
plugin.load()
print(json.dumps(sorted(sys.modules)))
"""


def test_loading_the_plugin_imports_neither_aiohttp_web_nor_the_emulator_nor_the_client() -> None:
    """Issue 10: the plugin pytest loads through the entry point costs nothing until used."""
    result = subprocess.run(  # noqa: S603 - this interpreter, a fixed program
        [sys.executable, "-c", LOAD_THE_PLUGIN],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    loaded = set(json.loads(result.stdout))
    assert "pytest" in loaded  # the plugin did load
    assert "aiohttp.web" not in loaded
    assert "aioinflux_legacyauth.emulator.server" not in loaded
    assert "aioinflux_legacyauth._client" not in loaded
    assert not {name for name in loaded if name.startswith(("aioinflux_legacyauth", "aiohttp"))}


def test_the_former_plugin_path_provides_the_same_fixtures() -> None:
    """Projects that name aioinflux_legacyauth.emulator.pytest_plugin get the same fixtures."""
    import _aioinflux_legacyauth_pytestplugin as plugin  # noqa: PLC0415 - the point of the test
    import aioinflux_legacyauth.emulator.pytest_plugin as former  # noqa: PLC0415

    assert former.legacyauth_emulator is plugin.legacyauth_emulator
    assert former.legacyauth_emulator_options is plugin.legacyauth_emulator_options
