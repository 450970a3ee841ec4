"""``rescope``: new buckets for existing credentials, keeping username and password.

The server cannot change a credential's permissions (influxdata/influxdb#20686): the only
way is to delete it and create it again, and the username must stay unique, so the two
cannot overlap. This is therefore a protocol like rotation's, per credential:

1. plan: read the credential, resolve the new buckets, log in with the current password
   (the consumer's; a wrong one would hand them a credential they cannot use);
2. journal the old record, the new specification and the password, fsync'd, **before**
   any change (:mod:`.journal`);
3. create the DBRP mappings the new database names need (they are kept);
4. delete the old credential; create the new one with the same username, owner, status
   and description; set the same password;
5. verify it as a 1.x tool would (:mod:`.verification`), and journal it done.

What the server holds after a crash decides where a run picks up: the old credential
(delete it and go on), no credential (create it), or the new one (set the password again,
verify). So a crash or ``kill -9`` at any moment leaves the old credential or the new one
with the same password, or, in the instants between the delete and the password of the
new one, neither, with everything needed to finish in the journal; running again with
the same journal finishes the job. A creation that fails for good puts the old credential
back, with the same password. When every item is finished the passwords are scrubbed.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Final, TypeVar

import attrs

from .._errors import LegacyAuthError, PasswordPolicyError
from .._executor import Executor
from .._models import (
    AuthorizationCreate,
    AuthorizationUpdate,
    AuthStatus,
    Bucket,
    DBRPMapping,
    LegacyAuthorization,
    Permission,
)
from .._retry import AttemptLog
from .._sansio import Call
from .._tracing import TraceSpanLike, child_span
from ..bulk import BulkReport, ItemResult, Outcome, ProgressCallback, ResultCallback, run_bulk
from ..bulk.callbacks import CallbackGuard
from ..bulk.engine import check_concurrency
from ..bulk.report import result_from_error, with_message
from .diff import same_permissions
from .journal import JournalItem, RescopeJournal, RescopeJournalError
from .mappings import MappingAction, plan_mappings
from .resolve import bind, org_buckets
from .spec import CredentialSpec, Database, ResolvedSpec, as_databases
from .verification import Expectation, Verification, check_credential

if TYPE_CHECKING:
    from .._client import LegacyAuthClient

__all__ = ["RescopeItem", "RescopeReport", "rescope"]

OP: Final = "rescope"
_T = TypeVar("_T")


@attrs.frozen(slots=True, kw_only=True)
class RescopeItem:
    """One credential and the buckets it gets instead of its current ones.

    ``target`` is the authorization (or its ID). ``read`` and ``write`` are as in a
    :class:`CredentialSpec`. ``description`` replaces the current one (None keeps it).
    ``password`` is its current password (hidden from the repr); without it,
    :func:`rescope`'s ``passwords`` must hold it.
    """

    target: str | LegacyAuthorization
    read: tuple[Database, ...] = attrs.field(default=(), converter=as_databases)
    write: tuple[Database, ...] = attrs.field(default=(), converter=as_databases)
    description: str | None = None
    password: str | None = attrs.field(default=None, repr=False)

    @property
    def key(self) -> str:
        """The authorization ID the item names."""
        return self.target.id if isinstance(self.target, LegacyAuthorization) else self.target


@attrs.frozen(slots=True, kw_only=True)
class RescopeReport(BulkReport):
    """A :class:`BulkReport` of a rescope job (one result per credential, keyed by its old
    ID), plus which job it was and how it ended."""

    job: str = ""
    journal: Path | None = None
    #: Whether this call resumed a job an earlier call started.
    resumed: bool = False
    #: Whether the job is finished and its journal holds no password any more.
    complete: bool = False
    #: Old ID to new ID, for each credential this job re-created.
    new_ids: Mapping[str, str] = attrs.field(factory=dict)


def _failed(key: str, message: str, error: Exception | None = None) -> ItemResult:
    return ItemResult(key=key, op=OP, outcome=Outcome.FAILED, message=message, error=error)


# -- planning (reads only) ------------------------------------------------------------------


@attrs.define
class _Planner:
    """Turns each :class:`RescopeItem` into a :class:`JournalItem`, reading only."""

    executor: Executor
    passwords: Mapping[str, str]
    span: TraceSpanLike | None
    planned: dict[str, JournalItem] = attrs.field(factory=dict)
    _orgs: dict[str, tuple[list[Bucket], list[DBRPMapping]]] = attrs.field(factory=dict)

    async def _org(self, org_id: str) -> tuple[list[Bucket], list[DBRPMapping]]:
        """An org's buckets and mappings, read once for every item in it."""
        if org_id not in self._orgs:
            calls = self.executor.calls
            buckets = await org_buckets(self.executor, org_id, self.span)
            mappings = await self.executor.execute(calls.list_dbrps(org_id, trace_span=self.span))
            self._orgs[org_id] = (buckets, mappings)
        return self._orgs[org_id]

    async def __call__(self, item: RescopeItem) -> ItemResult:
        log = AttemptLog()
        try:
            return await self._plan(item, log)
        except PasswordPolicyError as error:
            message = f"its current password cannot be set again ({error}); rotate it first"
            return _failed(item.key, message, error)
        except LegacyAuthError as error:
            return result_from_error(item.key, OP, error, log)
        except ValueError as error:  # a spec the server would refuse, an unknown bucket
            return _failed(item.key, str(error), error)

    async def _plan(self, item: RescopeItem, log: AttemptLog) -> ItemResult:
        key = item.key
        calls = self.executor.calls
        current = await self.executor.execute(calls.get(key, self.span), log=log)
        spec = CredentialSpec(
            username=current.username, org_id=current.org_id, read=item.read, write=item.write
        )
        buckets, mappings = await self._org(current.org_id)
        bindings = bind(spec, buckets, current.org_id)
        steps, conflicts = plan_mappings(bindings, mappings, {b.id: b.name for b in buckets})
        if conflicts:
            return _failed(key, "; ".join(conflicts) + "; nothing was changed")
        password = item.password or self.passwords.get(key) or self.passwords.get(current.username)
        if password is None:
            return _failed(
                key,
                "no current password: give it, or a rotation output file or journal that holds it",
            )
        calls.check_password(password)
        if current.active:
            shown = await self.executor.execute(
                calls.show_databases(current.username, password, self.span)
            )
            if shown is None:
                return _failed(
                    key,
                    "the password given does not log in: rescoping would hand the consumer "
                    "a credential with a password they do not have; nothing was changed",
                )
        resolved = ResolvedSpec(username=current.username, org_id=current.org_id, bindings=bindings)
        self.planned[key] = JournalItem(
            id=current.id,
            username=current.username,
            org_id=current.org_id,
            user_id=current.user_id,
            status=current.status,
            old_description=current.description,
            old_permissions=current.permissions,
            new_description=item.description
            if item.description is not None
            else current.description,
            new_permissions=resolved.permissions,
            bindings=bindings,
            password=password,
        )
        granted = ", ".join(str(permission) for permission in resolved.permissions)
        made = sum(step.action is MappingAction.CREATE for step in steps)
        message = f"would be re-created with {granted}, and {made} new DBRP mapping(s)"
        if same_permissions(current.permissions, resolved.permissions):
            message = f"already has these permissions; {made} new DBRP mapping(s)"
        return ItemResult(key=key, op=OP, outcome=Outcome.OK, message=message)


# -- the protocol -----------------------------------------------------------------------------


@attrs.frozen(slots=True)
class _Attempt:
    """One item's run: its trace span, and the log every request of it adds to (so an
    ambiguous step makes the item ``unknown``, never ``failed``)."""

    span: TraceSpanLike | None
    log: AttemptLog = attrs.field(factory=AttemptLog)
    started: float = attrs.field(factory=time.monotonic)


@attrs.define
class _Rescoping:
    """One run of a job: the per-item protocol, on the bulk worker pool."""

    executor: Executor
    journal: RescopeJournal
    verify: bool
    parent: TraceSpanLike | None

    async def __call__(self, item: JournalItem) -> ItemResult:
        progress = self.journal.progress(item.id)
        if progress.stage == "done":
            return ItemResult(
                key=item.id,
                op=OP,
                outcome=Outcome.ALREADY_DONE,
                message="rescoped by an earlier run of this job",
            )
        if progress.stage == "failed":
            return _failed(item.id, progress.message or "failed in an earlier run of this job")
        attempt = _Attempt(child_span(self.parent))
        try:
            return await self._run(item, attempt)
        except RescopeJournalError:
            raise
        except LegacyAuthError as error:
            # Maybe applied, maybe not: the next run sees what the server holds and goes on.
            result = result_from_error(item.id, OP, error, attempt.log)
            return with_message(
                result, f"{error}; the journal keeps what is needed: run the job again"
            )

    async def _send(self, call: Call[_T], attempt: _Attempt) -> _T:
        return await self.executor.execute(call, log=attempt.log)

    async def _run(self, item: JournalItem, attempt: _Attempt) -> ItemResult:
        calls, span = self.executor.calls, attempt.span
        lookup = await self._send(calls.lookup_username(item.username, span), attempt)
        current = lookup.authorization
        if lookup.exists and current is None:
            return await self._give_up(
                item, "a credential with its username exists but this token cannot see it"
            )
        if current is not None and not self._ours(item, current):
            return await self._give_up(
                item,
                f"its username now belongs to legacy authorization {current.id}, whose "
                "permissions match neither the old nor the new ones; it was left alone",
            )
        new: LegacyAuthorization | None = None
        if current is not None and same_permissions(current.permissions, item.new_permissions):
            new = current
            if new.description != item.new_description:
                await self._send(calls.update(new.id, _description(item), span), attempt)
        conflicts = await self._ensure_mappings(item, attempt)
        if conflicts and current is not None and new is None:
            return await self._give_up(item, "; ".join(conflicts) + "; nothing was changed")
        if current is not None and new is None:
            await self._send(calls.delete(current.id, span), attempt)
        if new is None:
            made = await self._create(item, attempt)
            if isinstance(made, ItemResult):
                return made
            new = made
        if new.id != item.id:
            # A crash may have come between the create and the password: set it (again).
            await self._send(calls.set_password(new.id, item.password or "", span), attempt)
        message = f"rescoped: {item.id} is now {new.id}, same username and password"
        if new.id == item.id:
            message = f"{item.id} already had these permissions; the DBRP mappings are in place"
        if self.verify:
            verification = await self._verify(item, attempt)
            if verification is not None and not verification.ok:
                return ItemResult(
                    key=item.id,
                    op=OP,
                    outcome=Outcome.FAILED,
                    status=401 if not verification.logged_in else None,
                    message=(
                        f"{message}, but it does not work as specified: "
                        f"{verification.summary()}; run the job again once that is fixed"
                    ),
                    attempts=attempt.log.attempts,
                    elapsed=time.monotonic() - attempt.started,
                )
            message += (
                "; verified" if verification is not None else "; not verified: it is inactive"
            )
        await self.journal.append(
            {"type": "done", "id": item.id, "new_id": new.id, "message": message}
        )
        return ItemResult(
            key=item.id,
            op=OP,
            outcome=Outcome.OK,
            status=204,
            message=message,
            attempts=attempt.log.attempts,
            elapsed=time.monotonic() - attempt.started,
        )

    def _ours(self, item: JournalItem, current: LegacyAuthorization) -> bool:
        """Whether the credential with the username is this item's old or new one."""
        if current.id in (item.id, self.journal.progress(item.id).new_id):
            return True
        if current.org_id != item.org_id or current.user_id != item.user_id:
            return False
        # The new one before its ID was journaled, or the old one put back by a rollback.
        return same_permissions(current.permissions, item.new_permissions) or same_permissions(
            current.permissions, item.old_permissions
        )

    async def _ensure_mappings(self, item: JournalItem, attempt: _Attempt) -> list[str]:
        """Create the mappings the new database names lack (idempotent); the conflicts."""
        calls = self.executor.calls
        mappings = await self._send(calls.list_dbrps(item.org_id, trace_span=attempt.span), attempt)
        steps, conflicts = plan_mappings(item.bindings, mappings)
        for step in steps:
            if step.action is MappingAction.CREATE and step.create is not None:
                await self._send(calls.create_dbrp(step.create, attempt.span), attempt)
        return list(conflicts)

    def _body(
        self, item: JournalItem, permissions: Sequence[Permission], description: str
    ) -> AuthorizationCreate:
        return AuthorizationCreate(
            username=item.username,
            status=item.status,
            org_id=item.org_id,
            user_id=item.user_id,
            description=description,
            permissions=permissions,
        )

    async def _create(
        self, item: JournalItem, attempt: _Attempt
    ) -> LegacyAuthorization | ItemResult:
        """Create the new credential; if the server refuses it, put the old one back."""
        calls = self.executor.calls
        body = self._body(item, item.new_permissions, item.new_description)
        try:
            new = await self._send(calls.create(body, attempt.span), attempt)
        except LegacyAuthError as error:
            result = result_from_error(item.id, OP, error, attempt.log)
            if result.outcome is Outcome.UNKNOWN:  # it may exist: the next run finds out
                return with_message(
                    result, f"{error}; the journal keeps what is needed: run the job again"
                )
            return await self._restore(item, error, attempt)
        await self.journal.append({"type": "created", "id": item.id, "new_id": new.id})
        return new

    async def _restore(
        self, item: JournalItem, error: LegacyAuthError, attempt: _Attempt
    ) -> ItemResult:
        """The new credential was refused for good: re-create the old one, same password."""
        calls = self.executor.calls
        body = self._body(item, item.old_permissions, item.old_description)
        old = await self._send(calls.create(body, attempt.span), attempt)
        await self._send(calls.set_password(old.id, item.password or "", attempt.span), attempt)
        message = (
            f"the server refused the new credential ({error}); the old one was put back with "
            f"the same password as {old.id}"
        )
        await self.journal.append({"type": "failed", "id": item.id, "message": message})
        return _failed(item.id, message, error)

    async def _verify(self, item: JournalItem, attempt: _Attempt) -> Verification | None:
        if item.status != AuthStatus.ACTIVE:
            return None  # an inactive credential cannot log in, by design
        expectations = [Expectation.of(binding) for binding in item.bindings]
        return await check_credential(
            self.executor, item.username, item.password or "", expectations, trace_span=attempt.span
        )

    async def _give_up(self, item: JournalItem, message: str) -> ItemResult:
        await self.journal.append({"type": "failed", "id": item.id, "message": message})
        return _failed(item.id, message)


def _description(item: JournalItem) -> AuthorizationUpdate:
    return AuthorizationUpdate(description=item.new_description)


async def rescope(
    client: LegacyAuthClient,
    items: Iterable[RescopeItem] | None,
    *,
    journal: str | os.PathLike[str],
    passwords: Mapping[str, str] | None = None,
    verify: bool = True,
    dry_run: bool = False,
    concurrency: int = 4,
    on_result: ResultCallback | None = None,
    on_progress: ProgressCallback | None = None,
    trace_span: TraceSpanLike | None = None,
) -> RescopeReport:
    """Give each item's credential its new buckets, keeping its username and password.

    ``journal`` is the job's write-ahead log: a new path starts a job over ``items``, an
    existing one resumes its job (``items`` may then be None). ``passwords`` maps
    authorization IDs (or usernames) to current passwords for items without one (see
    :func:`~aioinflux_legacyauth.provisioning.passwords_from_file`). Every password is
    tried by logging in before anything changes (an inactive credential cannot log in: it
    gets the password given, unchecked). ``dry_run`` stops there: it reads, logs
    in, and reports what each item would become, and writes no journal. Returns one result
    per item: ``ok``,
    ``already_done`` (by an earlier run), ``failed`` (nothing changed, or the old
    credential put back), ``unknown`` (the next run finishes it), ``not_found``.
    """
    check_concurrency(concurrency)
    executor = client.executor
    executor.check_open()
    started = time.monotonic()
    path = Path(journal)
    wanted = None if items is None else list(items)
    planning: BulkReport | None = None
    planned: list[JournalItem] | None = None
    if dry_run or not await asyncio.to_thread(RescopeJournal.holds_job, path):
        if not wanted:
            msg = "nothing to rescope: no items given and no journal to resume"
            raise ValueError(msg)
        # Everything is read and every password tried before the journal is written.
        planner = _Planner(executor, passwords or {}, executor.calls.fan_out_parent(trace_span))
        planning = await run_bulk(
            wanted,
            planner,
            op=OP,
            concurrency=concurrency,
            fail_fast=False,
            on_result=None,
            on_progress=None,
        )
        planned = [planner.planned[item.key] for item in wanted if item.key in planner.planned]
        if dry_run or not planned:
            return _report(None, planning.results, started, resumed=False, dry_run=dry_run)
    job = await asyncio.to_thread(RescopeJournal.open, path, planned)
    try:
        if not job.created and wanted:
            in_job = {item.id for item in job.items}
            outside = [item.key for item in wanted if item.key not in in_job]
            if outside:
                msg = (
                    f"journal {path} belongs to job {job.job}, which does not include "
                    f"{', '.join(outside[:5])}; finish that job or start a new one with "
                    "another journal"
                )
                raise RescopeJournalError(msg)
        if job.complete:
            results = tuple(_earlier(job, item) for item in job.items)
            return _report(job, results, started, resumed=True)
        protocol = _Rescoping(executor, job, verify, executor.calls.fan_out_parent(trace_span))
        # A callback that raises stops the job after the items under way are finished.
        guard = CallbackGuard(on_result, on_progress, op=OP, describe=_item_id)
        report = await run_bulk(
            job.items,
            guard.handler(protocol),
            op=OP,
            concurrency=concurrency,
            fail_fast=False,
            on_result=guard.on_result,
            on_progress=guard.on_progress,
            describe=_item_id,
        )
        if job.finished:
            await job.scrub_off_loop()
        results = report.results if planning is None else _merge(planning, report)
        rescoped = _report(job, results, started, resumed=not job.created)
        guard.check(rescoped)
        return rescoped
    finally:
        await job.close()


def _item_id(item: object) -> str:
    """A journaled item's key in the report (also for one cut off or not started)."""
    return item.id if isinstance(item, JournalItem) else f"<{type(item).__name__}>"


def _earlier(job: RescopeJournal, item: JournalItem) -> ItemResult:
    progress = job.progress(item.id)
    if progress.stage == "done":
        return ItemResult(
            key=item.id, op=OP, outcome=Outcome.ALREADY_DONE, message=progress.message
        )
    return _failed(item.id, progress.message or "not finished")


def _merge(planning: BulkReport, report: BulkReport) -> tuple[ItemResult, ...]:
    """Planning failures and the job's results, in the items' order."""
    done = {result.key: result for result in report.results}
    return tuple(
        done.get(result.key, result) if result.ok else result for result in planning.results
    )


def _report(
    job: RescopeJournal | None,
    results: tuple[ItemResult, ...],
    started: float,
    *,
    resumed: bool,
    dry_run: bool = False,
) -> RescopeReport:
    new_ids = {}
    if job is not None:
        for item in job.items:
            progress = job.progress(item.id)
            if progress.new_id is not None and progress.stage == "done":
                new_ids[item.id] = progress.new_id
    return RescopeReport(
        op=OP,
        results=results,
        elapsed=time.monotonic() - started,
        job=job.job if job is not None else "",
        journal=job.path if job is not None else None,
        resumed=resumed,
        complete=job.complete if job is not None else False,
        new_ids=new_ids,
        dry_run=dry_run,
    )
