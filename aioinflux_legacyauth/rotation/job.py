"""One rotation job: :func:`rotate`, and the protocol it runs for each target.

The steps and their order are in the package's docstring; each item runs them on the bulk
worker pool, reaching the client only through its executor. A resumed job picks every
item up at the last step its journal records.
"""

from __future__ import annotations

import asyncio
import functools
import os
import secrets
import string
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Final

import attrs

from .._errors import InvalidError, LegacyAuthError, NotFoundError, PasswordPolicyError
from .._executor import Executor
from .._headers import SecretText
from .._models import LegacyAuthorization
from .._retry import AttemptLog
from .._sansio import check_text
from .._tracing import TraceSpanLike, child_span
from ..bulk import BulkReport, ItemResult, Outcome, ProgressCallback, ResultCallback, run_bulk
from ..bulk.callbacks import CallbackGuard
from ..bulk.engine import Later, check_concurrency
from ..bulk.report import result_from_error, with_message
from ..provisioning.verification import verify_authorization
from .journal import ItemState, Journal, JournalError, Stage, Target
from .publisher import Publisher, PublishError, sink_failure
from .sinks import CheckingSink, Credential, CredentialSink

if TYPE_CHECKING:
    from .._client import LegacyAuthClient

__all__ = ["RotationReport", "generate_password", "rotate"]

OP: Final = "rotate"
#: 32 random bytes (256 bits), URL-safe base64: 43 ASCII characters, within 8..72.
PASSWORD_ENTROPY_BYTES: Final = 32


@attrs.frozen(slots=True, kw_only=True)
class RotationReport(BulkReport):
    """A :class:`BulkReport` of a rotation, plus which job it was and how it ended."""

    #: The job's ID, as recorded in the journal.
    job: str = ""
    journal: Path | None = None
    #: Whether this call resumed a job an earlier call started.
    resumed: bool = False
    #: Whether the job is finished and its journal holds no password any more.
    complete: bool = False


def generate_password() -> str:
    """A new random password: 256 bits, URL-safe, with upper- and lower-case and digits.

    Three character classes satisfy ``influxd --strong-passwords`` too.
    """
    while True:
        password = secrets.token_urlsafe(PASSWORD_ENTROPY_BYTES)
        if (
            any(char in string.ascii_uppercase for char in password)
            and any(char in string.ascii_lowercase for char in password)
            and any(char in string.digits for char in password)
        ):
            # A str as any other, but frames captured with their locals show '[secure]'.
            return SecretText(password)


def _as_target(item: object) -> Target:
    if isinstance(item, LegacyAuthorization):
        target = Target(item.id, item.username)
    elif isinstance(item, Target):
        target = item
    else:
        msg = f"rotate() takes LegacyAuthorization or Target items, got {type(item).__name__}"
        raise TypeError(msg)
    # Checked before any file is made: the journal and the login need both as text.
    check_text("a target's id", target.id)
    check_text("a target's username", target.username)
    return target


def _open_journal(
    path: Path, targets: Sequence[Target] | None, *, fresh: bool
) -> tuple[Journal, bool]:
    """The job's journal: created for ``targets`` when ``fresh``, else loaded to resume (True)."""
    if fresh:
        return Journal.create(path, targets or ()), False
    journal = Journal.load(path, restart=targets or None)
    if journal.created:  # left empty by a crash while it was being created
        return journal, False
    planned = {target.id for target in journal.targets}
    strangers = [target.id for target in targets or () if target.id not in planned]
    if strangers:
        shown = ", ".join(strangers[:5]) + (", ..." if len(strangers) > 5 else "")
        msg = (
            f"journal {path} belongs to job {journal.job}, which does not include "
            f"{len(strangers)} of the selected authorizations ({shown}); finish that job "
            f"or start a new one with another journal"
        )
        journal.release()
        raise JournalError(msg)
    return journal, True


async def _open_journal_off_loop(
    path: Path, targets: Sequence[Target] | None, *, fresh: bool
) -> tuple[Journal, bool]:
    """:func:`_open_journal` in a worker thread: reading a big journal must not stall the
    loop. A journal opened for a caller that was cancelled meanwhile is closed again."""
    opening = asyncio.ensure_future(asyncio.to_thread(_open_journal, path, targets, fresh=fresh))
    try:
        return await asyncio.shield(opening)
    except asyncio.CancelledError:
        opening.add_done_callback(_release_opened)
        raise


def _release_opened(opening: asyncio.Future[tuple[Journal, bool]]) -> None:
    if not opening.cancelled() and opening.exception() is None:
        opening.result()[0].release()


@attrs.define
class _Rotation:
    """One run of a job: the per-item protocol, driven by the bulk worker pool."""

    executor: Executor
    journal: Journal
    publisher: Publisher
    verify: bool
    parent: TraceSpanLike | None
    generate: Callable[[], str]
    #: Also check every database the permissions cover, as a 1.x tool would.
    verify_access: bool = False

    async def __call__(self, target: Target) -> ItemResult | Later:
        state = self.journal.state(target.id)
        if state.stage.terminal:  # done or failed by an earlier run
            return _earlier(target, state)
        log = AttemptLog()
        started = time.monotonic()
        if state.stage is Stage.VERIFIED:
            if state.password is None:  # Journal.load refuses such a journal; never publish it
                msg = f"journal {self.journal.path} has no password for verified item {target.id}"
                raise JournalError(msg)
            return self._publish_later(target, state.password, state.logged_in, started)
        password = state.password
        minted = password is None
        if password is None:
            password = self.generate()
            self.executor.calls.check_password(password)
            # Durable before it is sent: from here on a crash cannot lose it.
            await self.journal.append({"type": "pending", "id": target.id, "password": password})
        span = child_span(self.parent)
        try:
            call = self.executor.calls.set_password(target.id, password, span)
            await self.executor.execute(call, log=log)
        except NotFoundError as error:
            # The authorization is gone, and with it whatever password it had.
            await self._fail(target, "not_found", error)
            return result_from_error(target.id, OP, error, log)
        except (InvalidError, PasswordPolicyError) as error:
            refused = await self._refused(target, password, error, log, minted=minted, span=span)
            if refused is not None:
                return refused
            # An earlier attempt did set it: carry on from there.
        except LegacyAuthError as error:
            # Maybe applied, maybe not: the journaled password is re-sent on resume.
            return result_from_error(target.id, OP, error, log)
        await self.journal.append({"type": "set", "id": target.id})
        logged_in: bool | None = None
        if self.verify:
            try:
                logged_in = await self._verify(target, password, span)
            except LegacyAuthError as error:
                result = result_from_error(target.id, OP, error, log)
                return with_message(result, f"password set; verifying it failed: {error}")
            if logged_in is None:
                return ItemResult(
                    key=target.id,
                    op=OP,
                    outcome=Outcome.FAILED,
                    status=401,
                    message=(
                        "password set, but logging in with it failed; it is kept in the "
                        "journal and re-sent when the job is run again"
                    ),
                    attempts=log.attempts,
                    elapsed=time.monotonic() - started,
                )
            refused = await self._check_access(target, password, logged_in, span, log, started)
            if refused is not None:
                return refused
        await self.journal.append({"type": "verified", "id": target.id, "login": logged_in})
        return self._publish_later(target, password, logged_in, started, log.attempts)

    async def _fail(self, target: Target, reason: str, error: LegacyAuthError) -> None:
        message = getattr(error, "message", None) or str(error)
        await self.journal.append(
            {"type": "failed", "id": target.id, "reason": reason, "message": message}
        )

    async def _refused(
        self,
        target: Target,
        password: str,
        error: LegacyAuthError,
        log: AttemptLog,
        *,
        minted: bool,
        span: TraceSpanLike | None,
    ) -> ItemResult | None:
        """The result of a password the server (or the local policy) refused.

        None means an earlier attempt had set it after all, and the item goes on.
        """
        if minted and not log.ambiguous:
            # Never reached the server before this refusal: the old password stands.
            await self._fail(target, "refused", error)
            return result_from_error(target.id, OP, error, log)
        # An earlier attempt (lost answer, or an earlier run) may have set it. Logging in
        # with it is the only way to tell; until then it stays in the journal.
        try:
            applied = await self._verify(target, password, span)
        except LegacyAuthError:
            applied = False
        if applied:
            return None
        if applied is None:  # active, and it does not log in: it was never set
            await self._fail(target, "refused", error)
            return result_from_error(target.id, OP, error, log)
        result = result_from_error(target.id, OP, error, log)
        return with_message(
            result,
            f"refused ({error}), but an earlier attempt may have set it and it cannot be "
            "checked now; it is kept in the journal for the next run",
            outcome=Outcome.UNKNOWN,
        )

    async def _verify(
        self, target: Target, password: str, span: TraceSpanLike | None
    ) -> bool | None:
        """True: logged in. False: cannot log in by design (inactive). None: failed."""
        calls = self.executor.calls
        if await self.executor.execute(calls.login(target.username, password, span)):
            return True
        current = await self.executor.execute(calls.get(target.id, span))
        return None if current.active else False

    async def _check_access(  # noqa: PLR0917 - the item's state, passed on as it stands
        self,
        target: Target,
        password: str,
        logged_in: bool,
        span: TraceSpanLike | None,
        log: AttemptLog,
        started: float,
    ) -> ItemResult | None:
        """None if every database the permissions cover reads and writes as they say
        (or that is not asked for, or cannot be checked: an inactive credential)."""
        if not (logged_in and self.verify_access):
            return None
        try:
            current = await self.executor.execute(self.executor.calls.get(target.id, span))
            checked = await verify_authorization(self.executor, current, password, trace_span=span)
        except LegacyAuthError as error:
            result = result_from_error(target.id, OP, error, log)
            return with_message(result, f"password set; checking its access failed: {error}")
        if checked.ok:
            return None
        return ItemResult(
            key=target.id,
            op=OP,
            outcome=Outcome.FAILED,
            message=(
                f"password set and it logs in, but a 1.x tool would fail: {checked.summary()}; "
                "it is kept in the journal and checked again when the job is run again"
            ),
            attempts=log.attempts,
            elapsed=time.monotonic() - started,
        )

    def _publish_later(
        self,
        target: Target,
        password: str,
        logged_in: bool | None,
        started: float,
        attempts: int = 0,
    ) -> Later:
        """The item's last step, left for later: its worker goes on with the next item while
        the credential waits for the publisher's next batch."""
        return Later(
            functools.partial(self._publish, target, password, logged_in, started, attempts)
        )

    async def _publish(
        self,
        target: Target,
        password: str,
        logged_in: bool | None,
        started: float,
        attempts: int = 0,
    ) -> ItemResult:
        credential = Credential(target.id, target.username, password, job=self.journal.job)
        await self.publisher.publish(credential)
        return ItemResult(
            key=target.id,
            op=OP,
            outcome=Outcome.OK,
            status=204,
            message=_VERIFIED[logged_in if self.verify else None],
            attempts=attempts,
            elapsed=time.monotonic() - started,
        )


_VERIFIED: Final[dict[bool | None, str]] = {
    True: "rotated and verified by logging in",
    False: "rotated; not verified: the authorization is inactive and cannot log in",
    None: "rotated; not verified",
}


def _target_id(target: object) -> str:
    """A target's key in the report, also for an item cut off, skipped or failed by a bug."""
    return target.id if isinstance(target, Target) else f"<{type(target).__name__}>"


def _earlier(target: Target, state: ItemState) -> ItemResult:
    if state.stage is Stage.DONE:
        return ItemResult(
            key=target.id,
            op=OP,
            outcome=Outcome.ALREADY_DONE,
            message="rotated by an earlier run of this job",
        )
    outcome = Outcome.NOT_FOUND if state.reason == "not_found" else Outcome.FAILED
    return ItemResult(key=target.id, op=OP, outcome=outcome, message=state.message)


async def rotate(
    client: LegacyAuthClient,
    targets: Iterable[LegacyAuthorization | Target] | None,
    *,
    journal: str | os.PathLike[str],
    sink: CredentialSink,
    verify: bool = True,
    verify_access: bool = False,
    concurrency: int = 4,
    on_result: ResultCallback | None = None,
    on_progress: ProgressCallback | None = None,
    trace_span: TraceSpanLike | None = None,
) -> RotationReport:
    """Give every target a new random password without ever losing one.

    ``journal`` is the job's write-ahead log: a new path starts a job over ``targets``;
    an existing journal resumes its job (``targets`` may then be None, and must not name
    authorizations outside the job). ``sink`` receives the new credentials once verified
    (a :class:`FileSink`, or your own secret store). ``verify`` logs in with each new
    password through ``/query``; inactive authorizations cannot log in and are published
    unverified. ``verify_access`` checks more than a login: every database its permissions
    cover must read and write as they say (:func:`~aioinflux_legacyauth.provisioning.verify`,
    which writes no data). Returns one result per target: ``ok`` (rotated now), ``already_done``
    (rotated by an earlier run), ``not_found``, ``failed`` or ``unknown`` (kept in the
    journal, finished by the next run). Raises :class:`JournalError` or
    :class:`PublishError` when the journal or the sink fails; nothing is lost then either.
    """
    check_concurrency(concurrency)
    wanted = None if targets is None else [_as_target(item) for item in targets]
    executor = client.executor
    executor.check_open()
    path = Path(journal)
    # lexists: a symbolic link at the path (even a dangling one) is refused, not created.
    fresh = not await asyncio.to_thread(os.path.lexists, path)
    if fresh:
        if not wanted:
            msg = "nothing to rotate: no targets given and no journal to resume"
            raise ValueError(msg)
        await _check_sink(sink, [], wanted)  # before the journal: a failure leaves nothing behind
    job, resumed = await _open_journal_off_loop(path, wanted, fresh=fresh)
    started = time.monotonic()
    publisher: Publisher | None = None
    try:
        if job.complete:
            results = tuple(_earlier(t, job.state(t.id)) for t in job.targets)
            return _report(job, results, started, resumed=resumed)
        # Done items of an interrupted run still have their password in the journal:
        # publish them again, so the sink holds them even if its earlier copy was lost.
        # This is also the check that the sink works before any password changes.
        earlier = [
            Credential(t.id, t.username, state.password, job=job.job)
            for t in job.targets
            if (state := job.state(t.id)).stage is Stage.DONE and state.password is not None
        ]
        if resumed:
            await _check_sink(sink, earlier, job.targets)
        publisher = Publisher(sink, job)
        rotation = _Rotation(
            executor=executor,
            journal=job,
            publisher=publisher,
            verify=verify,
            parent=executor.calls.fan_out_parent(trace_span),
            generate=generate_password,
            verify_access=verify_access,
        )
        # A callback that raises stops the job after the items under way are published.
        guard = CallbackGuard(on_result, on_progress, op=OP, describe=_target_id)
        report = await run_bulk(
            job.targets,
            guard.handler(rotation),
            op=OP,
            concurrency=concurrency,
            fail_fast=False,
            on_result=guard.on_result,
            on_progress=guard.on_progress,
            # The job's own failures stop it; a bug in one item leaves that item unknown,
            # its journaled password kept for the next run.
            fatal=(JournalError, PublishError),
            describe=_target_id,
            # Once no item will start (the last one has, or a 401, a 403 or a failing
            # callback stopped the job), no batch is worth waiting for: publish at once.
            on_drained=publisher.hurry,
        )
        await publisher.wait()
        if job.finished:
            await job.scrub_off_loop()
        rotated = _report(job, report.results, started, resumed=resumed)
        guard.check(rotated)
        return rotated
    finally:
        if publisher is not None:
            await publisher.close()
        await job.close()


async def _check_sink(
    sink: CredentialSink, credentials: Sequence[Credential], targets: Sequence[Target]
) -> None:
    try:
        await sink.publish(credentials)
        if isinstance(sink, CheckingSink):
            await sink.check_targets(targets)
    except Exception as exc:
        msg = (
            f"the output cannot be written ({sink_failure(exc)}); "
            f"no password was changed by this run"
        )
        raise PublishError(msg) from exc


def _report(
    job: Journal, results: tuple[ItemResult, ...], started: float, *, resumed: bool
) -> RotationReport:
    return RotationReport(
        op=OP,
        results=results,
        elapsed=time.monotonic() - started,
        job=job.job,
        journal=job.path,
        resumed=resumed,
        complete=job.complete,
    )
