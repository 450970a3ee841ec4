"""What a 1.x tool will experience with a username and password, checked without writing.

The login and ``SHOW DATABASES`` go through ``/query``; for each expected database,
``SHOW RETENTION POLICIES`` says whether a mapping of it is visible (and so readable),
and an empty ``/write`` body whether it can be written: 204 writable, 403 read-only,
404 not visible or no mapping (spec section 13.2); it writes nothing. A refused login
is explained as far as the server lets one tell, through the API: an unknown username,
a credential or owner that is inactive, or a password the 2.7.6 rule refuses at login;
otherwise a wrong (or never set) password, which the server cannot tell apart.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Final, TypeVar

import attrs

from .._errors import LegacyAuthError
from .._executor import Executor
from .._models import (
    Action,
    AuthStatus,
    DBRPMapping,
    LegacyAuthorization,
    ResourceType,
    WriteAccess,
)
from .._sansio import Call
from .._tracing import TraceSpanLike
from .spec import Binding, check_name

if TYPE_CHECKING:
    from .._client import LegacyAuthClient

__all__ = [
    "Check",
    "CheckKind",
    "Expectation",
    "LoginRefusal",
    "Verification",
    "check_credential",
    "expectations_for",
    "login_rule_applies",
    "password_rule_problem",
    "verify",
    "verify_authorization",
]

_T = TypeVar("_T")
#: From this release a matching password outside 8..72 bytes is refused at login.
LOGIN_RULE_SINCE: Final = (2, 7, 6)
_MIN_BYTES: Final = 8
_MAX_BYTES: Final = 72
_RELEASE: Final = re.compile(r"v?(\d+)\.(\d+)\.(\d+)")


class LoginRefusal(enum.StrEnum):
    """Why ``/query`` refused a login, as far as the API lets one tell."""

    #: No legacy authorization has the username (the password was then tried as a token).
    UNKNOWN_USERNAME = "unknown_username"
    #: One has it, but the token cannot see it (or its org or owning user is gone).
    NOT_VISIBLE = "not_visible"
    #: The credential is inactive.
    INACTIVE = "inactive"
    #: Its owning user is inactive.
    OWNER_INACTIVE = "owner_inactive"
    #: The password is outside 8..72 bytes: refused at login since 2.7.6, matching or not.
    PASSWORD_RULE = "password_rule"  # noqa: S105 - the name of a reason, not a password
    #: A wrong password, or none set: the server answers both the same way.
    WRONG_PASSWORD = "wrong_password"  # noqa: S105 - the name of a reason, not a password


class CheckKind(enum.StrEnum):
    """What one check tried."""

    LOGIN = "login"
    DATABASES = "show_databases"
    READ = "read"
    WRITE = "write"


@attrs.frozen(slots=True, kw_only=True)
class Expectation:
    """One database a 1.x tool will use, and whether it should be able to read and write
    it (None: only report what it can do). Without ``retention_policy`` the tool names
    none and reaches the database's default."""

    database: str = attrs.field(validator=lambda _, __, value: check_name("database", value))
    retention_policy: str | None = None
    read: bool | None = None
    write: bool | None = None

    @property
    def label(self) -> str:
        """``db`` or ``db/rp``."""
        if self.retention_policy is None:
            return self.database
        return f"{self.database}/{self.retention_policy}"

    @classmethod
    def of(cls, binding: Binding) -> Expectation:
        """What a provisioned binding must allow: exactly its bucket's permissions."""
        return cls(
            database=binding.database,
            retention_policy=binding.retention_policy,
            read=binding.read,
            write=binding.write,
        )


@attrs.frozen(slots=True, kw_only=True)
class Check:
    """One check and what it proved. ``passed`` is None when it could not run."""

    kind: CheckKind
    passed: bool | None
    reason: str
    database: str | None = None
    retention_policy: str | None = None
    expected: bool | None = None
    actual: bool | None = None

    @property
    def subject(self) -> str:
        """What was checked: ``login``, ``SHOW DATABASES``, or a database."""
        if self.kind is CheckKind.LOGIN:
            return "login"
        if self.kind is CheckKind.DATABASES:
            return "SHOW DATABASES"
        label = self.database or ""
        if self.retention_policy is not None:
            label += f"/{self.retention_policy}"
        return f"{self.kind.value} {label}"


@attrs.frozen(slots=True, kw_only=True)
class Verification:
    """Every check of one credential, in order: login, ``SHOW DATABASES``, then read and
    write per expected database."""

    username: str
    logged_in: bool
    refusal: LoginRefusal | None
    #: What ``SHOW DATABASES`` listed (empty when the login was refused).
    databases: tuple[str, ...]
    checks: tuple[Check, ...]
    server_version: str | None = None

    @property
    def ok(self) -> bool:
        """Whether every check ran and passed."""
        return all(check.passed is True for check in self.checks)

    @property
    def failures(self) -> tuple[Check, ...]:
        """The checks that did not pass (failed, or could not run)."""
        return tuple(check for check in self.checks if check.passed is not True)

    def summary(self) -> str:
        """One line: ``all 6 checks passed``, or the failures' reasons."""
        if self.ok:
            return f"all {len(self.checks)} checks passed"
        return "; ".join(f"{check.subject}: {check.reason}" for check in self.failures)


# -- the 2.7.6 login rule ---------------------------------------------------------------


def login_rule_applies(version: str | None) -> bool:
    """Whether a server reporting ``version`` refuses out-of-range passwords at login.

    A version that is not a release (``dev``, or none) is taken to be a current one.
    """
    match = _RELEASE.fullmatch(version or "")
    if match is None:
        return True
    release = tuple(int(part) for part in match.groups())
    return release >= LOGIN_RULE_SINCE


def password_rule_problem(password: str, *, strong: bool = False) -> str | None:
    """What the 2.7.6 rule (and, with ``strong``, ``--strong-passwords``) says against
    ``password``, or None. The message gives the length, never the password."""
    size = len(password.encode("utf-8"))
    if not _MIN_BYTES <= size <= _MAX_BYTES:
        return f"it is {size} bytes long; the rule is {_MIN_BYTES} to {_MAX_BYTES} bytes"
    if strong:
        kinds = (
            any(char.isupper() for char in password),
            any(char.islower() for char in password),
            any(char.isdigit() for char in password),
            any(char in "!@#$%^&*()_+" for char in password),
        )
        if sum(kinds) < 3:
            return (
                f"it has {sum(kinds)} of the 4 character types (upper, lower, digit, "
                "special); --strong-passwords needs 3"
            )
    return None


# -- the checks ---------------------------------------------------------------------------


async def _tolerant(executor: Executor, call: Call[_T]) -> _T | None:
    """The value of an API call made only to explain something; None if it fails."""
    try:
        return await executor.execute(call)
    except LegacyAuthError:
        return None


async def _refusal(
    executor: Executor,
    username: str,
    password: str,
    version: str | None,
    span: TraceSpanLike | None,
) -> tuple[LoginRefusal, str]:
    calls = executor.calls
    lookup = await _tolerant(executor, calls.lookup_username(username, span))
    if lookup is not None and not lookup.exists:
        return LoginRefusal.UNKNOWN_USERNAME, (
            "refused: no legacy authorization has this username (the server then tried the "
            "password as a v2 API token, which failed too)"
        )
    if lookup is not None and lookup.authorization is None:
        return LoginRefusal.NOT_VISIBLE, (
            "refused: a legacy authorization has this username, but the API token cannot "
            "see it, or its org or owning user no longer exists"
        )
    auth = lookup.authorization if lookup is not None else None
    if auth is not None and auth.status != AuthStatus.ACTIVE:
        return LoginRefusal.INACTIVE, f"refused: the legacy authorization {auth.id} is inactive"
    if auth is not None:
        owner = await _tolerant(executor, calls.user(auth.user_id, span))
        if owner is not None and owner.status != AuthStatus.ACTIVE:
            return LoginRefusal.OWNER_INACTIVE, (
                f"refused: its owning user {auth.user_id} is inactive, which turns off every "
                "credential the user owns"
            )
    problem = password_rule_problem(password)
    if problem is not None and login_rule_applies(version):
        return LoginRefusal.PASSWORD_RULE, (
            f"refused by the 2.7.6 rule: the password {problem}, and since 2.7.6 the server "
            "refuses such a password at login even when it matches; set a new one"
        )
    return LoginRefusal.WRONG_PASSWORD, (
        "refused: the password is wrong, or none was ever set (the server answers both "
        "the same way)"
    )


def _databases_check(shown: Sequence[str], expectations: Sequence[Expectation]) -> Check:
    wanted = list(dict.fromkeys(e.database for e in expectations if e.read))
    missing = [name for name in wanted if name not in shown]
    listed = ", ".join(repr(name) for name in shown) if shown else "no database"
    if missing:
        absent = ", ".join(repr(name) for name in missing)
        reason = f"it lists {listed}, but not {absent}, which should be readable"
        return Check(kind=CheckKind.DATABASES, passed=False, reason=reason)
    return Check(kind=CheckKind.DATABASES, passed=True, reason=f"it lists {listed}")


def _verdict(expected: bool | None, actual: bool) -> bool:
    return expected is None or expected == actual


def _read_reason(expectation: Expectation, policies: Sequence[str], readable: bool) -> str:
    target = repr(expectation.label)
    if readable:
        shown = ", ".join(repr(name) for name in policies)
        proof = f"SHOW RETENTION POLICIES on {expectation.database!r} lists {shown}"
        if expectation.retention_policy is None:
            proof += " with a default"
        return f"readable: {proof}"
    why = (
        "no mapping of it is visible to this credential: no read permission on its "
        "bucket, or no such mapping"
    )
    if policies and expectation.retention_policy is None:
        why = "its visible mappings have no default, so a tool naming no retention policy fails"
    suffix = ", as expected" if expectation.read is False else ""
    return f"not readable{suffix}: {why} ({target})"


_WRITE_REASONS: Final = {
    WriteAccess.WRITABLE: "writable: an empty /write was accepted (204; nothing was written)",
    WriteAccess.READ_ONLY: "read-only: the mapping is visible, but /write refused the write (403)",
    WriteAccess.NOT_VISIBLE: (
        "not writable: /write found no mapping it may use (404): no such mapping, or no "
        "permission on its bucket (the server does not tell which)"
    ),
    WriteAccess.REFUSED: "not writable: /write refused the login (401)",
}


async def _database_checks(
    executor: Executor,
    username: str,
    password: str,
    expectation: Expectation,
    span: TraceSpanLike | None,
) -> list[Check]:
    calls = executor.calls
    where = {"database": expectation.database, "retention_policy": expectation.retention_policy}
    rows = await executor.execute(
        calls.show_retention_policies(username, password, expectation.database, span)
    )
    rows = rows or []
    names = [row.name for row in rows]
    if expectation.retention_policy is None:
        readable = any(row.default for row in rows)
    else:
        readable = expectation.retention_policy in names
    read = Check(
        kind=CheckKind.READ,
        passed=_verdict(expectation.read, readable),
        reason=_read_reason(expectation, names, readable),
        expected=expectation.read,
        actual=readable,
        **where,
    )
    access = await executor.execute(
        calls.write_probe(
            username, password, expectation.database, expectation.retention_policy, span
        )
    )
    writable = access is WriteAccess.WRITABLE
    reason = _WRITE_REASONS[access]
    if expectation.write is False and not writable:
        reason += ", as expected"
    write = Check(
        kind=CheckKind.WRITE,
        passed=_verdict(expectation.write, writable) and access is not WriteAccess.REFUSED,
        reason=reason,
        expected=expectation.write,
        actual=writable,
        **where,
    )
    return [read, write]


def _skipped(expectations: Sequence[Expectation]) -> list[Check]:
    reason = "not checked: the login was refused"
    checks = [Check(kind=CheckKind.DATABASES, passed=None, reason=reason)]
    for expectation in expectations:
        for kind, expected in (
            (CheckKind.READ, expectation.read),
            (CheckKind.WRITE, expectation.write),
        ):
            checks.append(
                Check(
                    kind=kind,
                    passed=None,
                    reason=reason,
                    database=expectation.database,
                    retention_policy=expectation.retention_policy,
                    expected=expected,
                )
            )
    return checks


async def check_credential(
    executor: Executor,
    username: str,
    password: str,
    expectations: Iterable[Expectation] = (),
    *,
    trace_span: TraceSpanLike | None = None,
) -> Verification:
    """Run every check of :class:`Verification` through ``executor``; writes nothing.

    Errors other than what the checks are about (a server error, no connection) raise.
    """
    expected = tuple(expectations)
    calls = executor.calls
    version = await _tolerant(executor, calls.ping(trace_span))
    shown = await executor.execute(calls.show_databases(username, password, trace_span))
    if shown is None:
        refusal, reason = await _refusal(executor, username, password, version, trace_span)
        login = Check(kind=CheckKind.LOGIN, passed=False, reason=reason)
        return Verification(
            username=username,
            logged_in=False,
            refusal=refusal,
            databases=(),
            checks=(login, *_skipped(expected)),
            server_version=version,
        )
    reason = "accepted: /query took the username and password"
    lookup = await _tolerant(executor, calls.lookup_username(username, trace_span))
    if lookup is not None and not lookup.exists:
        reason += ", as a v2 API token: no legacy authorization has this username"
    checks = [
        Check(kind=CheckKind.LOGIN, passed=True, reason=reason),
        _databases_check(shown, expected),
    ]
    for expectation in expected:
        checks += await _database_checks(executor, username, password, expectation, trace_span)
    return Verification(
        username=username,
        logged_in=True,
        refusal=None,
        databases=tuple(shown),
        checks=tuple(checks),
        server_version=version,
    )


# -- expectations from what a credential grants --------------------------------------------

_ALL: Final = "*"


def _granted(auth: LegacyAuthorization, action: Action) -> set[str]:
    """Bucket IDs ``auth`` grants ``action`` on; ``"*"`` for every bucket of its org."""
    found = set()
    for permission in auth.permissions:
        resource = permission.resource
        if permission.action != action:
            continue
        if resource.type == ResourceType.INSTANCE:
            found.add(_ALL)
        elif resource.type == ResourceType.BUCKETS and resource.org_id in (None, auth.org_id):
            found.add(resource.id.lower() if resource.id else _ALL)
    return found


def expectations_from_mappings(
    auth: LegacyAuthorization, mappings: Iterable[DBRPMapping]
) -> tuple[Expectation, ...]:
    """One expectation per mapping of a bucket ``auth`` may read or write, as its
    permissions say (pure)."""
    reads, writes = _granted(auth, Action.READ), _granted(auth, Action.WRITE)
    found: dict[tuple[str, str | None], Expectation] = {}
    for mapping in mappings:
        bucket = mapping.bucket_id
        read = _ALL in reads or bucket in reads
        write = _ALL in writes or bucket in writes
        if not (read or write):
            continue
        # A default mapping is checked as tools naming no retention policy reach it.
        policy = None if mapping.default else mapping.retention_policy
        found.setdefault(
            (mapping.database, policy),
            Expectation(database=mapping.database, retention_policy=policy, read=read, write=write),
        )
    return tuple(found.values())


async def expectations_for(
    executor: Executor, auth: LegacyAuthorization, trace_span: TraceSpanLike | None = None
) -> tuple[Expectation, ...]:
    """What a tool should be able to do with ``auth``: from its permissions and the
    mappings of its org that lead to the buckets they name."""
    mappings = await executor.execute(executor.calls.list_dbrps(auth.org_id, trace_span=trace_span))
    return expectations_from_mappings(auth, mappings)


async def verify_authorization(
    executor: Executor,
    auth: LegacyAuthorization,
    password: str,
    *,
    trace_span: TraceSpanLike | None = None,
) -> Verification:
    """:func:`check_credential` with the expectations ``auth``'s permissions imply."""
    expected = await expectations_for(executor, auth, trace_span)
    return await check_credential(
        executor, auth.username, password, expected, trace_span=trace_span
    )


async def verify(
    client: LegacyAuthClient,
    username: str,
    password: str,
    expectations: Iterable[Expectation] | None = None,
    *,
    trace_span: TraceSpanLike | None = None,
) -> Verification:
    """What a 1.x tool will experience logging in as ``username`` with ``password``.

    Without ``expectations``, they come from the credential's permissions and the DBRP
    mappings of its org (the API token must be able to read it). Writes nothing.
    """
    executor = client.executor
    executor.check_open()
    if expectations is None:
        lookup = await _tolerant(executor, executor.calls.lookup_username(username, trace_span))
        auth = lookup.authorization if lookup is not None else None
        if auth is not None:
            return await verify_authorization(executor, auth, password, trace_span=trace_span)
        expectations = ()
    return await check_credential(executor, username, password, expectations, trace_span=trace_span)
