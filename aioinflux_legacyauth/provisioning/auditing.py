"""``audit``: which legacy credentials will not work, and why. Reads only.

Each :class:`Problem` is one reason a 1.x tool fails with a credential, found through the
API: the credential or its owner inactive, permissions naming buckets or orgs that no
longer exist, buckets no database name leads to, and, given the known passwords (a
rotation's output), passwords the 2.7.6 rule refuses at login.

The server's list leaves out credentials whose org or owning user is gone, so those are
found only by ID or username: the ones selected, or named in the passwords given.
"""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Final

import attrs

from .._errors import InvalidError, LegacyAuthError, NotFoundError
from .._executor import Executor
from .._models import AuthStatus, Bucket, DBRPMapping, LegacyAuthorization, ResourceType
from .._tracing import TraceSpanLike
from ..rotation.sinks import Credential
from .mappings import describe_bucket
from .resolve import all_users, org_buckets
from .spec import split_bucket_name
from .verification import login_rule_applies, password_rule_problem

if TYPE_CHECKING:
    from .._client import LegacyAuthClient

__all__ = ["AuditReport", "Finding", "Problem", "audit"]

_USER_GONE: Final = "user not found"
_ORG_GONE: Final = "organization not found"


class Problem(enum.StrEnum):
    """Why a credential will not work (or not for every database it names)."""

    #: The credential is inactive: every login is refused.
    INACTIVE = "inactive"
    #: Its owning user is inactive: every login is refused.
    OWNER_INACTIVE = "owner_inactive"
    #: Its owning user no longer exists: the server hides it and refuses its logins.
    OWNER_GONE = "owner_gone"
    #: Its org, or an org a permission names, no longer exists.
    MISSING_ORG = "missing_org"
    #: A permission names a bucket that no longer exists.
    MISSING_BUCKET = "missing_bucket"
    #: No database name leads to a bucket it may use: 1.x tools cannot reach it.
    NO_MAPPING = "no_mapping"
    #: A credential with the username exists, but the token cannot see it.
    NOT_VISIBLE = "not_visible"
    #: Its known password is one the 2.7.6 rule refuses at login.
    PASSWORD_REFUSED = "password_refused"  # noqa: S105 - the name of a problem


@attrs.frozen(slots=True, kw_only=True)
class Finding:
    """One problem of one credential. ``subject`` is the bucket, org or user it is about."""

    problem: Problem
    auth_id: str | None
    username: str | None
    message: str
    subject: str | None = None


@attrs.frozen(slots=True, kw_only=True)
class AuditReport:
    """Every problem found, by credential (in ID order), and what could not be checked."""

    #: How many credentials were examined.
    audited: int
    findings: tuple[Finding, ...]
    server_version: str | None = None
    #: What could not be checked (the token may not read something), and stale entries.
    notes: tuple[str, ...] = ()
    #: Selected IDs or usernames that match no credential.
    missing: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """Whether no problem was found and every selected credential exists."""
        return not self.findings and not self.missing

    @property
    def counts(self) -> dict[Problem, int]:
        """How many findings of each problem (every problem present, zeros included)."""
        tally = Counter(finding.problem for finding in self.findings)
        return {problem: tally.get(problem, 0) for problem in Problem}

    def by_problem(self, *problems: Problem | str) -> tuple[Finding, ...]:
        """The findings of the given problems, in order."""
        wanted = {Problem(problem) for problem in problems}
        return tuple(finding for finding in self.findings if finding.problem in wanted)


@attrs.define
class _Audit:
    """One audit: what it has read so far, and what it found."""

    executor: Executor
    span: TraceSpanLike | None
    findings: list[Finding] = attrs.field(factory=list)
    notes: list[str] = attrs.field(factory=list)

    def add(
        self,
        problem: Problem,
        auth: LegacyAuthorization | None,
        message: str,
        *,
        subject: str | None = None,
        auth_id: str | None = None,
        username: str | None = None,
    ) -> None:
        self.findings.append(
            Finding(
                problem=problem,
                auth_id=auth.id if auth is not None else auth_id,
                username=auth.username if auth is not None else username,
                message=message,
                subject=subject,
            )
        )

    async def unlisted(
        self, auth_id: str, username: str | None, *, explicit: bool
    ) -> LegacyAuthorization | None:
        """A credential the list left out: why, or None if it does not exist."""
        calls = self.executor.calls
        try:
            return await self.executor.execute(calls.get(auth_id, self.span))
        except InvalidError:
            self.notes.append(f"{auth_id!r} is not an authorization ID; it was not checked")
            return None
        except NotFoundError as error:
            if error.message == _USER_GONE:
                self.add(
                    Problem.OWNER_GONE,
                    None,
                    "its owning user no longer exists: the server hides it from lists and "
                    "refuses its logins; delete it, or re-create it for an existing user",
                    auth_id=auth_id,
                    username=username,
                )
            elif error.message == _ORG_GONE:
                self.add(
                    Problem.MISSING_ORG,
                    None,
                    "its org no longer exists: the server hides it from lists and refuses "
                    "its logins; delete it",
                    auth_id=auth_id,
                    username=username,
                )
            elif not explicit:
                self.notes.append(f"the passwords given name {auth_id}, which no longer exists")
            return None

    async def orgs_gone(self, org_ids: Iterable[str]) -> set[str]:
        gone = set()
        for org_id in sorted(set(org_ids)):
            try:
                await self.executor.execute(self.executor.calls.org(org_id, self.span))
            except NotFoundError:
                gone.add(org_id)
            except LegacyAuthError as error:
                self.notes.append(f"could not check org {org_id}: {error}")
        return gone

    async def buckets(
        self, org_ids: Iterable[str], wanted: Iterable[str]
    ) -> tuple[dict[str, Bucket], set[str]]:
        """The buckets the permissions name that exist, and those that are gone."""
        found: dict[str, Bucket] = {}
        for org_id in sorted(set(org_ids)):
            found.update((b.id, b) for b in await org_buckets(self.executor, org_id, self.span))
        gone = set()
        for bucket_id in sorted(set(wanted) - found.keys()):
            try:
                found[bucket_id] = await self.executor.execute(
                    self.executor.calls.bucket(bucket_id, self.span)
                )
            except NotFoundError:
                gone.add(bucket_id)
            except LegacyAuthError as error:
                self.notes.append(f"could not check bucket {bucket_id}: {error}")
        return found, gone


def _bucket_ids(auth: LegacyAuthorization) -> list[str]:
    return list(
        dict.fromkeys(
            p.resource.id.lower()
            for p in auth.permissions
            if p.resource.type == ResourceType.BUCKETS and p.resource.id
        )
    )


def _org_ids(auth: LegacyAuthorization) -> list[str]:
    found = [auth.org_id]
    for permission in auth.permissions:
        resource = permission.resource
        if resource.org_id:
            found.append(resource.org_id.lower())
        if resource.type == ResourceType.ORGS and resource.id:
            found.append(resource.id.lower())
    return list(dict.fromkeys(found))


def _unreachable(bucket: Bucket, mappings: Sequence[DBRPMapping], names: Mapping[str, str]) -> str:
    """Why no database name leads to ``bucket``."""
    database, policy = split_bucket_name(bucket.name)
    label = f"database {database!r}"
    if policy is not None:
        label += f" retention policy {policy!r}"
    for mapping in mappings:
        if mapping.database != database:
            continue
        if (policy is None and mapping.default) or mapping.retention_policy == (
            policy or "autogen"
        ):
            return (
                f"its own name leads elsewhere: {label} goes to "
                f"{describe_bucket(mapping.bucket_id, names)} (mapping {mapping.id}); create a "
                "DBRP mapping for it under another name"
            )
    return (
        "no mapping leads to it (servers before 2.4 give buckets no mapping of their own); "
        "create one"
    )


async def audit(
    client: LegacyAuthClient,
    *,
    org_id: str | None = None,
    auth_ids: Iterable[str] = (),
    usernames: Iterable[str] = (),
    status: AuthStatus | str | None = None,
    credentials: Iterable[Credential] = (),
    strong_passwords: bool = False,
    trace_span: TraceSpanLike | None = None,
) -> AuditReport:
    """Find the credentials that will not work (all, or those selected), reading only.

    ``org_id`` narrows to one org, ``status`` to active or inactive credentials;
    ``auth_ids`` and ``usernames`` select credentials (default: every one listed).
    ``credentials`` are known passwords (a rotation's output,
    :func:`~aioinflux_legacyauth.provisioning.passwords.read_credentials`): each is held
    to the 2.7.6 rule (and the ``--strong-passwords`` rule with ``strong_passwords``), and
    its ID is examined even when the list hides it. Only GET requests are sent.
    """
    executor = client.executor
    executor.check_open()
    calls = executor.calls
    job = _Audit(executor, trace_span)
    try:
        version = await executor.execute(calls.ping(trace_span))
    except LegacyAuthError:
        version = None
    ids = list(dict.fromkeys(auth_id.lower() for auth_id in auth_ids))
    names = list(dict.fromkeys(usernames))
    known = {credential.id: credential for credential in credentials}
    listed = await executor.execute(calls.list({"org_id": org_id}, trace_span))
    selecting = bool(ids or names)
    chosen = {
        auth.id: auth
        for auth in listed
        if not selecting or auth.id in ids or auth.username in names
    }
    listed_ids = {auth.id for auth in listed}
    listed_names = {auth.username for auth in listed}
    missing = []
    for auth_id in [*ids, *(i for i in known if i not in ids)]:
        if auth_id in listed_ids:
            continue
        credential = known.get(auth_id)
        found = await job.unlisted(
            auth_id, credential.username if credential else None, explicit=auth_id in ids
        )
        if found is not None and (org_id is None or found.org_id == org_id):
            chosen[found.id] = found
        elif (
            found is None and auth_id in ids and not any(f.auth_id == auth_id for f in job.findings)
        ):
            missing.append(f"id {auth_id}")
    for username in names:
        if username in listed_names:
            continue
        lookup = await executor.execute(calls.lookup_username(username, trace_span))
        if lookup.authorization is not None:
            chosen[lookup.authorization.id] = lookup.authorization
        elif lookup.exists:
            job.add(
                Problem.NOT_VISIBLE,
                None,
                "a credential has this username, but the token cannot see it, or its org or "
                "owning user is gone (give its ID to tell which)",
                username=username,
            )
        else:
            missing.append(f"username {username}")
    auths = [
        chosen[key] for key in sorted(chosen) if status is None or chosen[key].status == status
    ]
    await _examine(job, auths)
    hidden = {finding.auth_id for finding in job.findings}  # found by ID, gone owner or org
    for credential in known.values():
        scope = credential.id in chosen or credential.id in hidden
        problem = password_rule_problem(credential.password, strong=strong_passwords)
        if problem is None or not scope:
            continue
        enforced = (
            f"this server ({version or 'its version unknown'}) refuses it at every login"
            if login_rule_applies(version)
            else f"this server ({version}) still accepts it, a 2.7.6 or newer one will not"
        )
        job.add(
            Problem.PASSWORD_REFUSED,
            None,
            f"its known password {problem}: {enforced}; set a new one (rotate it)",
            auth_id=credential.id,
            username=credential.username,
        )
    order = {
        key: index for index, key in enumerate(sorted({f.auth_id or "" for f in job.findings}))
    }
    ordered = sorted(
        job.findings, key=lambda f: (order[f.auth_id or ""], list(Problem).index(f.problem))
    )
    return AuditReport(
        audited=len(auths),
        findings=tuple(ordered),
        server_version=version,
        notes=tuple(job.notes),
        missing=tuple(missing),
    )


async def _examine(job: _Audit, auths: Sequence[LegacyAuthorization]) -> None:
    """The checks of the credentials the audit can see."""
    executor = job.executor
    gone_orgs = await job.orgs_gone(org_id for auth in auths for org_id in _org_ids(auth))
    live_orgs = {auth.org_id for auth in auths} - gone_orgs
    wanted = [bucket_id for auth in auths for bucket_id in _bucket_ids(auth)]
    buckets, gone_buckets = await job.buckets(live_orgs, wanted)
    names = {bucket_id: bucket.name for bucket_id, bucket in buckets.items()}
    mappings: dict[str, list[DBRPMapping]] = {}
    for org_id in sorted(live_orgs):
        mappings[org_id] = await executor.execute(
            executor.calls.list_dbrps(org_id, trace_span=job.span)
        )
    users = {user.id: user for user in await all_users(executor, job.span)} if auths else {}
    for auth in auths:
        if not auth.active:
            job.add(
                Problem.INACTIVE,
                auth,
                "it is inactive: every login is refused; activate or delete it",
            )
        owner = users.get(auth.user_id)
        if owner is not None and not owner.active:
            job.add(
                Problem.OWNER_INACTIVE,
                auth,
                f"its owning user {owner.name!r} is inactive: every login is refused",
                subject=owner.id,
            )
        for org_id in _org_ids(auth):
            if org_id in gone_orgs:
                job.add(
                    Problem.MISSING_ORG,
                    auth,
                    f"it names org {org_id}, which no longer exists",
                    subject=org_id,
                )
        reachable = {m.bucket_id for m in mappings.get(auth.org_id, ())}
        for bucket_id in _bucket_ids(auth):
            if bucket_id in gone_buckets:
                job.add(
                    Problem.MISSING_BUCKET,
                    auth,
                    f"it names bucket {bucket_id}, which no longer exists: that permission "
                    "gives nothing",
                    subject=bucket_id,
                )
            elif bucket_id in buckets and bucket_id not in reachable and auth.org_id in mappings:
                bucket = buckets[bucket_id]
                why = _unreachable(bucket, mappings[auth.org_id], names)
                job.add(
                    Problem.NO_MAPPING,
                    auth,
                    f"no database name leads to bucket {bucket.name!r} ({bucket_id}): {why}",
                    subject=bucket_id,
                )
