"""Which server the wire and integration tests talk to, chosen per run.

- ``emulator`` (the default): an in-process :class:`~aioinflux_legacyauth.emulator.Emulator`.
- ``real``: a fresh real ``influxd`` per test, built once by ``scripts/real-influxd``
  (``--real-version`` or ``AIOINFLUX_REAL_VERSION`` picks the release).
- ``URL,TOKEN``: an existing InfluxDB 2.x (a user's container); each test works in its own
  org with its own user and token, and what it created is deleted afterwards.

Choose with ``--server`` or ``AIOINFLUX_TEST_SERVER`` (the option wins). Tests reach the
server through the ``start_server`` fixture (``threaded_server`` for tests written for the
``ThreadedEmulator``); markers (declared in pyproject.toml) say
where a test runs: ``emulator_only(reason)``, ``real_server``, ``fresh_server(reason)``
and ``setup_names``.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, Literal

import attrs
import pytest

from aioinflux_legacyauth.emulator import (
    DEFAULT_VERSION,
    FAST_HASH_COST,
    Emulator,
    FaultPlan,
    PasswordRule,
    ServerProfile,
    ThreadedEmulator,
    server_profile,
)
from tests.realserver.api import Api
from tests.realserver.handle import BlockingRealServer, EmulatorOnly, RealServer
from tests.realserver.hashimport import HashImporter
from tests.realserver.pool import HUNG_AT_STOP, RealServerPool
from tests.realserver.process import build_real_influxd
from tests.realserver.tenancy import Tenancy, foreign_legacy_authorizations

__all__ = ["ServerChoice", "StartServer"]

SERVER_ENV = "AIOINFLUX_TEST_SERVER"
VERSION_ENV = "AIOINFLUX_REAL_VERSION"

StartServer = Callable[..., Awaitable[Any]]
"""``await start_server(**emulator_options)``: an ``Emulator`` or a ``RealServer``."""

# Emulator options that describe what a real server does anyway, or only how fast.
_SAME_ON_A_REAL_SERVER = {"hash_cost", "hash_concurrency", "access_log", "host", "port"}


def _what_a_real_server_does(key: str, value: object, profile: ServerProfile) -> bool:
    """Emulator option values that describe a real server: its release's password rule,
    and a fault plan that fails nothing (rules are added through ``.faults``, which a
    ``RealServer`` refuses)."""
    if key == "password_rule":
        return PasswordRule(str(value)) is profile.password_rule
    return key == "fault_plan" and isinstance(value, FaultPlan) and value.rate == 0


@attrs.frozen
class ServerChoice:
    """The server of this run."""

    kind: Literal["emulator", "real", "url"]
    version: str | None = None
    url: str | None = None
    token: str | None = attrs.field(default=None, repr=False)

    @classmethod
    def parse(cls, text: str, version: str | None) -> ServerChoice:
        """``emulator``, ``real`` or ``URL,TOKEN``."""
        if text in ("", "emulator"):
            return cls("emulator")
        if text == "real":
            return cls("real", version=version)
        url, separator, token = text.partition(",")
        if not separator or not url.startswith(("http://", "https://")) or not token:
            # Never repeat the value: it may be a token typed without its URL.
            msg = f"{SERVER_ENV}/--server must be emulator, real or URL,TOKEN (an http(s) URL)"
            raise pytest.UsageError(msg)
        return cls("url", url=url.rstrip("/"), token=token)

    @property
    def label(self) -> str:
        """What the report header says."""
        if self.kind == "real":
            return f"real influxd {self.version or '(default version)'}"
        return "shared server at " + str(self.url) if self.kind == "url" else "emulator"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("aioinflux-legacyauth", "server under test")
    group.addoption(
        "--server",
        default=None,
        help=f"emulator (default), real, or URL,TOKEN of an InfluxDB 2.x (env {SERVER_ENV})",
    )
    group.addoption(
        "--real-version", default=None, help=f"influxd release for --server real ({VERSION_ENV})"
    )


def _choice(config: pytest.Config) -> ServerChoice:
    text = config.getoption("--server") or os.environ.get(SERVER_ENV, "")
    version = config.getoption("--real-version") or os.environ.get(VERSION_ENV) or None
    return ServerChoice.parse(text, version)


_CHOICE = pytest.StashKey[ServerChoice]()


def pytest_configure(config: pytest.Config) -> None:
    config.stash[_CHOICE] = _choice(config)


def pytest_report_header(config: pytest.Config) -> str:
    return f"server under test: {config.stash[_CHOICE].label}"


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Real servers that had to be killed at stop, with where their script was stuck."""
    if HUNG_AT_STOP:
        terminalreporter.section("real-influxd: servers killed at stop (no test's verdict)")
        for report in HUNG_AT_STOP:
            terminalreporter.write_line(report)


def _reason(item: pytest.Item, name: str, default: str) -> str:
    marker = item.get_closest_marker(name)
    if marker is None:
        return default
    return str(marker.kwargs.get("reason") or (marker.args[0] if marker.args else default))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    choice = config.stash[_CHOICE]
    for item in items:
        if choice.kind != "emulator" and item.get_closest_marker("emulator_only"):
            reason = _reason(item, "emulator_only", "emulator only")
            item.add_marker(pytest.mark.skip(reason=f"emulator only: {reason}"))
        if choice.kind == "emulator" and item.get_closest_marker("real_server"):
            item.add_marker(pytest.mark.skip(reason="needs a real server: --server real"))
        if choice.kind == "url" and item.get_closest_marker("fresh_server"):
            reason = _reason(item, "fresh_server", "needs a server of its own")
            item.add_marker(pytest.mark.skip(reason=f"shared server: {reason}"))


@pytest.fixture(scope="session")
def server_choice(pytestconfig: pytest.Config) -> ServerChoice:
    """Which server this run tests."""
    return pytestconfig.stash[_CHOICE]


@pytest.fixture(scope="session")
def real_server_pool(server_choice: ServerChoice) -> Iterator[RealServerPool | None]:
    """With ``--server real``: builds influxd once, then hands out fresh servers."""
    if server_choice.kind != "real":
        yield None
        return
    build_real_influxd(server_choice.version)
    pool = RealServerPool(server_choice.version)
    try:
        yield pool
    finally:
        pool.close()


@pytest.fixture(scope="session")
def hash_importer(server_choice: ServerChoice) -> Iterator[HashImporter | None]:
    """With ``--server real``: stores passwords past the rules (built on first use)."""
    if server_choice.kind != "real":
        yield None
        return
    importer = HashImporter()
    try:
        yield importer
    finally:
        importer.close()


@pytest.fixture(scope="session")
def shared_server(server_choice: ServerChoice) -> Api | None:
    """With ``URL,TOKEN``: the admin connection, after checking the server suits the suite."""
    if server_choice.kind != "url":
        return None
    assert server_choice.url is not None
    assert server_choice.token is not None
    api = Api(server_choice.url, server_choice.token)
    held = foreign_legacy_authorizations(api)
    if held:
        msg = (
            f"{server_choice.url} already holds {held} legacy authorizations; the tests list "
            "them and expect only their own. Use a server without any (a fresh container)."
        )
        raise pytest.UsageError(msg)
    return api


# Flags that change the whole server: a shared one cannot take them for one test.
_SERVER_FLAGS = frozenset(
    {
        "--strong-passwords",
        "--ui-disabled",
        "--metrics-disabled",
        "--use-hashed-tokens",
        "--no-use-hashed-tokens",
    }
)


class OtherRelease(Exception):  # noqa: N818 - reads as "needs another release"
    """A test asked for a release this run's real server is not."""


def _release_flags(key: str, value: object, profile: ServerProfile) -> list[str]:
    """The release must be the run's; hashed tokens differ only where the release has them."""
    if key == "version":
        if server_profile(str(value)).release != profile.release:
            raise OtherRelease(str(value))
        return []
    if value is None or value is profile.hashed_tokens_by_default:
        return []
    if not profile.supports_hashed_tokens:
        msg = f"influxd {profile.version} has no --use-hashed-tokens"
        raise EmulatorOnly(msg)
    return ["--use-hashed-tokens" if value else "--no-use-hashed-tokens"]


def real_flags(options: dict[str, Any], version: str = DEFAULT_VERSION) -> list[str]:
    """``scripts/real-influxd`` flags for emulator options, for a real server at
    ``version``; what it cannot do is :class:`EmulatorOnly` (or :class:`OtherRelease`)."""
    profile = server_profile(version)
    flags = ["--port", "0"]
    for key, value in options.items():
        if key in _SAME_ON_A_REAL_SERVER:
            continue
        if key in ("token", "org", "user"):
            flags += [f"--{key}", str(value)]
        elif key == "buckets":
            for name in value:
                flags += ["--bucket", name]
        elif key == "strong_passwords":
            flags += ["--strong-passwords"] if value else []
        elif key in ("ui", "metrics"):
            flags += [] if value else [f"--{key}-disabled"]
        elif key in ("version", "hashed_tokens"):
            flags += _release_flags(key, value, profile)
        elif not _what_a_real_server_does(key, value, profile):
            msg = f"the emulator option {key}={value!r} has no real-server equivalent"
            raise EmulatorOnly(msg)
    return flags


@attrs.frozen
class RealBackends:
    """What a run's real servers come from: the pool (``real``), the shared server
    (``URL,TOKEN``), and the importer of passwords past the rules (``real``)."""

    pool: RealServerPool | None
    shared: Api | None
    importer: HashImporter | None


@pytest.fixture(scope="session")
def real_backends(
    real_server_pool: RealServerPool | None,
    shared_server: Api | None,
    hash_importer: HashImporter | None,
) -> RealBackends:
    """The run's real-server sources, in one."""
    return RealBackends(real_server_pool, shared_server, hash_importer)


class _RealServers:
    """Real-server handles for one test (fresh ones or tenancies); :meth:`close` ends them."""

    def __init__(
        self, request: pytest.FixtureRequest, choice: ServerChoice, backends: RealBackends
    ) -> None:
        self._request = request
        self._choice = choice
        self._pool = backends.pool
        self._shared = backends.shared
        self._importer = backends.importer
        self._stack = contextlib.ExitStack()

    def start(self, options: dict[str, Any]) -> RealServer:
        """A server run with emulator ``options`` (skips the test if it needs another release)."""
        try:
            if self._choice.kind == "real":
                return self._fresh(options, self._choice.version or DEFAULT_VERSION)
            return self._tenant(options)
        except OtherRelease as exc:
            pytest.skip(f"needs influxd {exc}; this run tests another release")

    def _fresh(self, options: dict[str, Any], version: str) -> RealServer:
        assert self._pool is not None
        process = self._pool.acquire(real_flags(options, version))
        self._stack.callback(self._pool.release, process)
        ready = process.ready
        return RealServer(
            url=ready["url"],
            token=ready["token"],
            org=options.get("org", "my-org"),
            org_id=ready["org_id"],
            user=options.get("user", "admin"),
            user_id=ready["user_id"],
            buckets=ready["buckets"],
            importer=self._importer,
        )

    def _tenant(self, options: dict[str, Any]) -> RealServer:
        assert self._shared is not None
        version = str(self._shared.call("GET", "/health")["version"])
        flags = real_flags({k: v for k, v in options.items() if k != "token"}, version)
        if _SERVER_FLAGS & set(flags):
            pytest.skip("a shared server's influxd flags cannot be chosen per test")
        tenancy = Tenancy(
            str(self._choice.url),
            str(self._choice.token),
            org=options.get("org", "my-org"),
            user=options.get("user", "admin"),
            buckets=options.get("buckets", ("my-bucket",)),
        )
        self._stack.callback(tenancy.close)
        if not tenancy.names_honoured and self._request.node.get_closest_marker("setup_names"):
            pytest.skip("the shared server already has an org or user of the setup names")
        return tenancy.handle

    def close(self) -> None:
        """Stop (or clean up) every server this test started."""
        self._stack.close()


@pytest.fixture
async def start_server(
    request: pytest.FixtureRequest,
    server_choice: ServerChoice,
    real_backends: RealBackends,
) -> AsyncIterator[StartServer]:
    """Start servers with emulator options; all stop (or are cleaned up) after the test."""
    real = _RealServers(request, server_choice, real_backends)
    async with contextlib.AsyncExitStack() as stack:
        stack.callback(real.close)

        async def start(**options: Any) -> Emulator | RealServer:
            if server_choice.kind == "emulator":
                return await stack.enter_async_context(Emulator(**options))
            return real.start(options)

        yield start


@pytest.fixture
def threaded_server(
    request: pytest.FixtureRequest,
    server_choice: ServerChoice,
    real_backends: RealBackends,
    legacyauth_emulator_options: dict[str, Any],
) -> Iterator[ThreadedEmulator | BlockingRealServer]:
    """The ``legacyauth_emulator`` fixture's server, chosen per run: a ``ThreadedEmulator``
    (fast hashing, ``legacyauth_emulator_options``) or a real one with those options and
    the ``ThreadedEmulator``'s synchronous surface. Test directories whose tests run
    against both make it their ``legacyauth_emulator``."""
    options = {"hash_cost": FAST_HASH_COST, **legacyauth_emulator_options}
    if server_choice.kind == "emulator":
        with ThreadedEmulator(**options) as emulator:
            yield emulator
        return
    real = _RealServers(request, server_choice, real_backends)
    try:
        yield real.start(options).blocking()
    finally:
        real.close()
