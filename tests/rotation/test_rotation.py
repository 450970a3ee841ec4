"""rotate() against the emulator: the protocol, resuming, and every way an item ends."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import stat
from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

import aiohttp
import pytest

from aioinflux_legacyauth import (
    AiohttpTransport,
    ItemResult,
    LegacyAuthClient,
    LegacyAuthorization,
    Outcome,
    RawResponse,
    Request,
    Timeout,
    TransportError,
)
from aioinflux_legacyauth._transports import base_url
from aioinflux_legacyauth.emulator import Fault, FaultKind, ThreadedEmulator
from aioinflux_legacyauth.rotation import (
    Credential,
    CredentialSink,
    FileSink,
    JournalError,
    PublishError,
    RotationReport,
    generate_password,
    rotate,
)
from aioinflux_legacyauth.rotation import job as rotation_job
from aioinflux_legacyauth.rotation.journal import Journal, Stage, Target
from aioinflux_legacyauth.rotation.publisher import Publisher

OLD = "old-Password-1"


class MemorySink:
    """A sink keeping what it was given, failing on purpose from call ``fail_from`` on."""

    def __init__(self, *, fail_from: int | None = None) -> None:
        self.fail_from = fail_from
        self.published: dict[str, Credential] = {}
        self.calls = 0

    async def publish(self, credentials: Sequence[Credential]) -> None:
        self.calls += 1
        if self.fail_from is not None and self.calls >= self.fail_from:
            raise OSError("secret store unreachable")
        self.published.update((credential.id, credential) for credential in credentials)


def seed(emulator: ThreadedEmulator, count: int, **options: object) -> list[LegacyAuthorization]:
    return [
        emulator.create_legacy_authorization(f"svc-{index:03}", password=OLD, **options)  # type: ignore[arg-type]
        for index in range(count)
    ]


def journal_text(path: Path) -> str:
    return path.read_text()


def records(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def pending_passwords(path: Path) -> dict[str, str]:
    return {str(r["id"]): str(r["password"]) for r in records(path) if r["type"] == "pending"}


async def test_a_rotation_sets_verifies_publishes_and_scrubs(
    legacyauth_emulator: ThreadedEmulator, tmp_path: Path
) -> None:
    auths = seed(legacyauth_emulator, 12)
    journal, output = tmp_path / "job.jsonl", tmp_path / "out.json"
    seen: list[Outcome] = []
    progress: list[int] = []
    async with LegacyAuthClient(legacyauth_emulator.url, legacyauth_emulator.token) as client:
        report = await rotate(
            client,
            auths,
            journal=journal,
            sink=FileSink(output),
            concurrency=3,
            on_result=lambda result: seen.append(result.outcome),
            on_progress=lambda done, total: progress.append(done),
        )
        published = json.loads(output.read_text())
        logins = [await client.check_login(row["username"], row["password"]) for row in published]
        old_logins = [await client.check_login(auth.username, OLD) for auth in auths]

    assert isinstance(report, RotationReport)
    assert report.all_ok
    assert report.counts[Outcome.OK] == 12
    assert report.complete
    assert not report.resumed
    assert report.journal == journal
    assert {r.message for r in report.results} == {"rotated and verified by logging in"}
    assert seen == [Outcome.OK] * 12
    assert progress[-1] == 12
    assert [row["id"] for row in published] == sorted(auth.id for auth in auths)
    assert all(logins)
    assert not any(old_logins)
    assert len({row["password"] for row in published}) == 12
    text = journal_text(journal)
    assert "password" not in text
    assert not any(row["password"] in text for row in published)
    assert records(journal)[-1] == {"type": "complete"}
    assert stat.S_IMODE(journal.stat().st_mode) == 0o600
    assert stat.S_IMODE(output.stat().st_mode) == 0o600


@pytest.mark.emulator_only(reason="reads the request log")
async def test_running_a_finished_job_again_sends_nothing(
    legacyauth_emulator: ThreadedEmulator, tmp_path: Path
) -> None:
    auths = seed(legacyauth_emulator, 3)
    journal = tmp_path / "job.jsonl"
    async with LegacyAuthClient(legacyauth_emulator.url, legacyauth_emulator.token) as client:
        first = await rotate(client, auths, journal=journal, sink=MemorySink())
        legacyauth_emulator.requests.clear()
        sink = MemorySink()
        again = await rotate(client, None, journal=journal, sink=sink)
    assert again.job == first.job
    assert again.resumed
    assert again.complete
    assert [r.outcome for r in again.results] == [Outcome.ALREADY_DONE] * 3
    assert len(legacyauth_emulator.requests) == 0
    assert sink.calls == 0  # a finished job does not even check the sink


async def test_a_pending_password_is_resent_never_replaced(
    legacyauth_emulator: ThreadedEmulator, tmp_path: Path
) -> None:
    auths = seed(legacyauth_emulator, 3)
    journal_path = tmp_path / "job.jsonl"
    # As a crash right after journaling leaves it: pending, maybe never sent.
    journal = Journal.create(journal_path, [Target(a.id, a.username) for a in auths])
    await journal.append({"type": "pending", "id": auths[0].id, "password": "Journaled-pw-0"})
    await journal.append({"type": "pending", "id": auths[1].id, "password": "Journaled-pw-1"})
    await journal.append({"type": "set", "id": auths[1].id})
    await journal.close()
    sink = MemorySink()
    async with LegacyAuthClient(legacyauth_emulator.url, legacyauth_emulator.token) as client:
        report = await rotate(client, auths, journal=journal_path, sink=sink)

    assert report.resumed
    assert report.all_ok
    assert sink.published[auths[0].id].password == "Journaled-pw-0"
    assert sink.published[auths[1].id].password == "Journaled-pw-1"
    assert legacyauth_emulator.password_matches(auths[0].id, "Journaled-pw-0")
    assert legacyauth_emulator.password_matches(auths[1].id, "Journaled-pw-1")
    fresh = sink.published[auths[2].id].password
    assert legacyauth_emulator.password_matches(auths[2].id, fresh)


@pytest.mark.emulator_only(reason="reads the request log")
async def test_a_verified_item_is_published_without_being_set_again(
    legacyauth_emulator: ThreadedEmulator, tmp_path: Path
) -> None:
    (auth,) = seed(legacyauth_emulator, 1)
    legacyauth_emulator.set_password(auth.id, "Verified-pw-1")
    journal_path = tmp_path / "job.jsonl"
    journal = Journal.create(journal_path, [Target(auth.id, auth.username)])
    await journal.append({"type": "pending", "id": auth.id, "password": "Verified-pw-1"})
    await journal.append({"type": "set", "id": auth.id})
    await journal.append({"type": "verified", "id": auth.id, "login": True})
    await journal.close()
    legacyauth_emulator.requests.clear()
    sink = MemorySink()
    async with LegacyAuthClient(legacyauth_emulator.url, legacyauth_emulator.token) as client:
        report = await rotate(client, None, journal=journal_path, sink=sink)
    assert report.all_ok
    assert sink.published[auth.id].password == "Verified-pw-1"
    assert len(legacyauth_emulator.requests) == 0


async def test_done_items_of_an_interrupted_run_are_published_again(
    legacyauth_emulator: ThreadedEmulator, tmp_path: Path
) -> None:
    first, second = seed(legacyauth_emulator, 2)
    legacyauth_emulator.set_password(first.id, "Done-before-1")
    journal_path = tmp_path / "job.jsonl"
    journal = Journal.create(journal_path, [Target(a.id, a.username) for a in (first, second)])
    await journal.append({"type": "pending", "id": first.id, "password": "Done-before-1"})
    await journal.append({"type": "set", "id": first.id})
    await journal.append({"type": "verified", "id": first.id, "login": True})
    await journal.append({"type": "done", "id": first.id})
    await journal.close()
    output = tmp_path / "out.csv"  # the first run's output was lost
    async with LegacyAuthClient(legacyauth_emulator.url, legacyauth_emulator.token) as client:
        report = await rotate(client, None, journal=journal_path, sink=FileSink(output, "csv"))
    assert [r.outcome for r in report.results] == [Outcome.ALREADY_DONE, Outcome.OK]
    assert "Done-before-1" in output.read_text()
    assert second.id in output.read_text()
    assert report.complete


async def test_inactive_authorizations_are_rotated_but_cannot_be_verified(
    legacyauth_emulator: ThreadedEmulator, tmp_path: Path
) -> None:
    (auth,) = seed(legacyauth_emulator, 1, active=False)
    sink = MemorySink()
    async with LegacyAuthClient(legacyauth_emulator.url, legacyauth_emulator.token) as client:
        report = await rotate(client, [auth], journal=tmp_path / "j", sink=sink)
    (result,) = report.results
    assert result.outcome is Outcome.OK
    assert result.message is not None
    assert "inactive" in result.message
    assert legacyauth_emulator.password_matches(auth.id, sink.published[auth.id].password)
    assert report.complete


@pytest.mark.emulator_only(reason="reads the request log")
async def test_no_verify_sends_no_login(
    legacyauth_emulator: ThreadedEmulator, tmp_path: Path
) -> None:
    auths = seed(legacyauth_emulator, 2)
    legacyauth_emulator.requests.clear()
    async with LegacyAuthClient(legacyauth_emulator.url, legacyauth_emulator.token) as client:
        report = await rotate(
            client, auths, journal=tmp_path / "j", sink=MemorySink(), verify=False
        )
    assert report.all_ok
    assert {r.message for r in report.results} == {"rotated; not verified"}
    assert legacyauth_emulator.requests.count(path="/query") == 0


async def test_a_deleted_target_is_not_found_and_the_job_still_finishes(
    legacyauth_emulator: ThreadedEmulator, tmp_path: Path
) -> None:
    auths = seed(legacyauth_emulator, 2)
    async with LegacyAuthClient(legacyauth_emulator.url, legacyauth_emulator.token) as client:
        await client.delete(auths[0].id)
        report = await rotate(client, auths, journal=tmp_path / "j", sink=MemorySink())
    assert [r.outcome for r in report.results] == [Outcome.NOT_FOUND, Outcome.OK]
    assert not report.all_ok
    assert report.complete  # not found is terminal: nothing of it to keep
    assert "password" not in (tmp_path / "j").read_text()


class LoginRefusingTransport:
    """Forwards to the emulator, but answers the v1 logins of ``username`` with the
    server's 401 while ``refusing`` is set."""

    def __init__(self, inner: AiohttpTransport, username: str) -> None:
        self.inner = inner
        self.username = username
        self.refusing = True

    async def send(self, request: Request, *, timeout: Timeout) -> RawResponse:
        if self.refusing and request.path == "/query":
            credentials = base64.b64decode(request.headers["Authorization"].split()[1])
            if credentials.decode().partition(":")[0] == self.username:
                body = b'{"code":"unauthorized","message":"Unauthorized"}'
                return RawResponse(401, {"Content-Type": "application/json"}, body)
        return await self.inner.send(request, timeout=timeout)


async def test_an_unverifiable_active_item_stays_in_the_journal(
    legacyauth_emulator: ThreadedEmulator, tmp_path: Path
) -> None:
    auths = seed(legacyauth_emulator, 2)
    journal = tmp_path / "j"
    sink = MemorySink()
    inner = AiohttpTransport(legacyauth_emulator.url)
    transport = LoginRefusingTransport(inner, auths[0].username)
    async with LegacyAuthClient(
        legacyauth_emulator.url, legacyauth_emulator.token, transport=transport
    ) as client:
        report = await rotate(client, auths, journal=journal, sink=sink)
        kept = pending_passwords(journal)[auths[0].id]
        published_first = set(sink.published)
        transport.refusing = False
        again = await rotate(client, auths, journal=journal, sink=sink)
    await inner.close()

    first = report.results[0]
    assert first.outcome is Outcome.FAILED
    assert first.message is not None
    assert "logging in with it failed" in first.message
    assert published_first == {auths[1].id}
    assert not report.complete
    assert [r.outcome for r in again.results] == [Outcome.OK, Outcome.ALREADY_DONE]
    assert sink.published[auths[0].id].password == kept
    assert again.complete


async def test_a_bad_token_stops_the_job_and_a_resume_finishes_it(
    legacyauth_emulator: ThreadedEmulator, tmp_path: Path
) -> None:
    auths = seed(legacyauth_emulator, 4)
    journal = tmp_path / "j"
    sink = MemorySink()
    async with LegacyAuthClient(legacyauth_emulator.url, "not-the-token") as client:
        report = await rotate(client, auths, journal=journal, sink=sink, concurrency=1)
    assert report.results[0].outcome is Outcome.FAILED
    assert {r.outcome for r in report.results[1:]} == {Outcome.SKIPPED}
    assert not report.complete
    sent = pending_passwords(journal)
    assert list(sent) == [auths[0].id]

    async with LegacyAuthClient(legacyauth_emulator.url, legacyauth_emulator.token) as client:
        again = await rotate(client, auths, journal=journal, sink=sink)
    assert again.all_ok
    assert sink.published[auths[0].id].password == sent[auths[0].id]
    assert again.complete


@pytest.mark.emulator_only(reason="fault injection")
async def test_faults_on_the_way_lose_nothing(
    legacyauth_emulator: ThreadedEmulator, tmp_path: Path
) -> None:
    auths = seed(legacyauth_emulator, 20)
    faults = legacyauth_emulator.faults
    faults.add(Fault(FaultKind.DROP_AFTER), method="POST", path="*/password", times=3)
    faults.add(Fault.unavailable(retry_after=None), method="POST", path="*/password", times=3)
    faults.add(Fault(FaultKind.DROP_BEFORE), method="POST", path="*/password", times=2, skip=5)
    output = tmp_path / "out.json"
    async with LegacyAuthClient(legacyauth_emulator.url, legacyauth_emulator.token) as client:
        report = await rotate(client, auths, journal=tmp_path / "j", sink=FileSink(output))
    assert report.all_ok, [(r.outcome, r.message) for r in report.unsuccessful]
    for row in json.loads(output.read_text()):
        assert legacyauth_emulator.password_matches(row["id"], row["password"])
    assert max(r.attempts for r in report.results) >= 2


async def test_a_failing_sink_stops_the_job_and_keeps_the_passwords(
    legacyauth_emulator: ThreadedEmulator, tmp_path: Path
) -> None:
    auths = seed(legacyauth_emulator, 3)
    journal = tmp_path / "j"
    async with LegacyAuthClient(legacyauth_emulator.url, legacyauth_emulator.token) as client:
        with pytest.raises(PublishError, match="kept in the journal") as caught:
            # The first call is the check before anything changes; the second publishes.
            await rotate(client, auths, journal=journal, sink=MemorySink(fail_from=2))
        assert "secret store unreachable" in str(caught.value)
        kept = pending_passwords(journal)
        assert kept
        for auth_id, password in kept.items():
            assert legacyauth_emulator.password_matches(auth_id, password)
        sink = MemorySink()
        again = await rotate(client, auths, journal=journal, sink=sink)
    assert again.all_ok
    for auth_id, password in kept.items():
        assert sink.published[auth_id].password == password


async def test_a_journal_of_another_job_is_refused(
    legacyauth_emulator: ThreadedEmulator, tmp_path: Path
) -> None:
    first, second = seed(legacyauth_emulator, 2)
    journal = tmp_path / "j"
    Journal.create(journal, [Target(first.id, first.username)]).release()
    before = journal.read_text()
    async with LegacyAuthClient(legacyauth_emulator.url, legacyauth_emulator.token) as client:
        with pytest.raises(JournalError, match="does not include 1 of the selected"):
            await rotate(client, [first, second], journal=journal, sink=MemorySink())
        # The subset is fine: the job decides what is rotated.
        report = await rotate(client, [first], journal=journal, sink=MemorySink())
    assert before in journal.read_text()
    assert report.all_ok


async def test_arguments_are_checked_before_anything_is_written(
    legacyauth_emulator: ThreadedEmulator, tmp_path: Path
) -> None:
    journal = tmp_path / "j"
    client = LegacyAuthClient(legacyauth_emulator.url, legacyauth_emulator.token)
    with pytest.raises(ValueError, match="concurrency"):
        await rotate(client, [], journal=journal, sink=MemorySink(), concurrency=0)
    async with client:
        output = tmp_path / "out.json"
        with pytest.raises(ValueError, match="nothing to rotate"):
            await rotate(client, [], journal=journal, sink=FileSink(output))
        assert not output.exists()
        with pytest.raises(TypeError, match="LegacyAuthorization or Target"):
            await rotate(client, ["0000000000000001"], journal=journal, sink=MemorySink())  # type: ignore[list-item]
    assert not journal.exists()


def test_generated_passwords_are_strong_and_fit_the_server() -> None:
    passwords = {generate_password() for _ in range(200)}
    assert len(passwords) == 200
    for password in passwords:
        assert len(password) == 43
        assert any(c.isupper() for c in password)
        assert any(c.islower() for c in password)
        assert any(c.isdigit() for c in password)


async def test_stage_order_matches_the_protocol() -> None:
    assert [s.terminal for s in Stage] == [False, False, False, False, True, True]


class ScriptedPasswordTransport:
    """Forwards to the emulator, but scripts what the first two password POSTs do."""

    def __init__(self, inner: AiohttpTransport, *, apply_first: bool) -> None:
        self.inner = inner
        self.apply_first = apply_first
        self.password_posts = 0

    async def send(self, request: Request, *, timeout: Timeout) -> RawResponse:
        if request.method == "POST" and request.path.endswith("/password"):
            self.password_posts += 1
            if self.password_posts == 1:
                if self.apply_first:
                    await self.inner.send(request, timeout=timeout)
                raise TransportError(
                    "connection reset", method="POST", path=request.path, maybe_sent=True
                )
            if self.password_posts == 2:
                body = b'{"code":"invalid","message":"passwords must be between 8 and 72"}'
                headers = {"Content-Type": "application/json"}
                return RawResponse(400, headers, body)
        return await self.inner.send(request, timeout=timeout)


async def rotate_through(
    emulator: ThreadedEmulator, tmp_path: Path, auth: LegacyAuthorization, *, apply_first: bool
) -> tuple[RotationReport, MemorySink]:
    sink = MemorySink()
    async with aiohttp.ClientSession() as session:
        transport = ScriptedPasswordTransport(
            AiohttpTransport(base_url(emulator.url), session=session), apply_first=apply_first
        )
        async with LegacyAuthClient(emulator.url, emulator.token, transport=transport) as client:
            report = await rotate(client, [auth], journal=tmp_path / "j", sink=sink)
    return report, sink


async def test_a_refusal_after_a_lost_answer_checks_whether_it_was_set(
    legacyauth_emulator: ThreadedEmulator, tmp_path: Path
) -> None:
    (auth,) = seed(legacyauth_emulator, 1)
    report, sink = await rotate_through(legacyauth_emulator, tmp_path, auth, apply_first=True)
    # The first attempt set it; the 400 to the retry must not make the job forget it.
    assert [r.outcome for r in report.results] == [Outcome.OK]
    assert legacyauth_emulator.password_matches(auth.id, sink.published[auth.id].password)
    assert report.complete


async def test_a_refusal_of_a_password_never_set_is_final(
    legacyauth_emulator: ThreadedEmulator, tmp_path: Path
) -> None:
    (auth,) = seed(legacyauth_emulator, 1)
    report, sink = await rotate_through(legacyauth_emulator, tmp_path, auth, apply_first=False)
    assert [r.outcome for r in report.results] == [Outcome.FAILED]
    assert legacyauth_emulator.password_matches(auth.id, OLD)
    assert not sink.published
    assert report.complete


async def test_an_uncheckable_refusal_keeps_the_password(
    legacyauth_emulator: ThreadedEmulator, tmp_path: Path
) -> None:
    (auth,) = seed(legacyauth_emulator, 1, active=False)  # inactive: logins cannot tell
    report, _ = await rotate_through(legacyauth_emulator, tmp_path, auth, apply_first=True)
    (result,) = report.results
    assert result.outcome is Outcome.UNKNOWN
    assert result.message is not None
    assert "kept in the journal" in result.message
    assert not report.complete
    kept = pending_passwords(tmp_path / "j")[auth.id]
    assert legacyauth_emulator.password_matches(auth.id, kept)


async def test_an_unwritable_output_stops_before_any_password_changes(
    legacyauth_emulator: ThreadedEmulator, tmp_path: Path
) -> None:
    auths = seed(legacyauth_emulator, 2)
    journal = tmp_path / "j"
    sink = FileSink(tmp_path / "missing" / "out.json")
    async with LegacyAuthClient(legacyauth_emulator.url, legacyauth_emulator.token) as client:
        with pytest.raises(PublishError, match="no password was changed"):
            await rotate(client, auths, journal=journal, sink=sink)
    assert all(legacyauth_emulator.password_matches(auth.id, OLD) for auth in auths)
    assert not journal.exists()


async def test_a_failed_scrub_is_a_journal_error_and_the_next_run_finishes(
    legacyauth_emulator: ThreadedEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    auths = seed(legacyauth_emulator, 2)
    journal = tmp_path / "j"
    real_replace = os.replace

    def refuse_scrub(source: str | os.PathLike[str], target: str | os.PathLike[str]) -> None:
        if str(source).endswith(".scrub"):
            raise OSError(30, "Read-only file system")
        real_replace(source, target)

    sink = MemorySink()
    async with LegacyAuthClient(legacyauth_emulator.url, legacyauth_emulator.token) as client:
        monkeypatch.setattr(os, "replace", refuse_scrub)
        with pytest.raises(JournalError, match="only removing the passwords"):
            await rotate(client, auths, journal=journal, sink=sink)
        monkeypatch.undo()
        assert len(sink.published) == 2
        again = await rotate(client, None, journal=journal, sink=sink)
    assert again.complete
    assert "password" not in journal.read_text()


async def test_an_item_whose_protocol_breaks_is_unknown_and_kept_for_the_next_run(
    legacyauth_emulator: ThreadedEmulator, tmp_path: Path
) -> None:
    """A bug (here: a transport that raises something unexpected) on one item leaves that
    item unknown under its own ID, keeps its journaled password, and the others finish."""
    auths = seed(legacyauth_emulator, 3)
    broken = auths[1].id
    real = AiohttpTransport(base_url(legacyauth_emulator.url))

    class Flaky:
        async def send(self, request: Request, *, timeout: Timeout) -> RawResponse:
            if request.path.endswith(f"{broken}/password"):
                raise RuntimeError("a bug below the worker")
            return await real.send(request, timeout=timeout)

    journal = tmp_path / "job.jsonl"
    sink = MemorySink()
    try:
        async with LegacyAuthClient(
            legacyauth_emulator.url, legacyauth_emulator.token, transport=Flaky()
        ) as client:
            report = await rotate(client, auths, journal=journal, sink=sink)
    finally:
        await real.close()
    outcomes = {result.key: result.outcome for result in report.results}
    assert outcomes == {auths[0].id: Outcome.OK, broken: Outcome.UNKNOWN, auths[2].id: Outcome.OK}
    assert not report.complete
    assert broken in pending_passwords(journal)  # kept for the next run, which finishes it
    async with LegacyAuthClient(legacyauth_emulator.url, legacyauth_emulator.token) as client:
        again = await rotate(client, None, journal=journal, sink=sink)
    assert again.complete
    assert legacyauth_emulator.password_matches(broken, sink.published[broken].password)


class SlowSink(MemorySink):
    """A sink whose every publish takes a while, as rewriting a big file does."""

    def __init__(self) -> None:
        super().__init__()
        self.batches: list[int] = []

    async def publish(self, credentials: Sequence[Credential]) -> None:
        await asyncio.sleep(0.03)
        self.batches.append(len(credentials))
        await super().publish(credentials)


async def test_publishing_waits_for_no_worker_and_batches_grow(
    legacyauth_emulator: ThreadedEmulator, tmp_path: Path
) -> None:
    """Issue 15: an item's worker goes on while its credential waits for the next publish,
    so batches hold more credentials than the job has workers (instead of one publish per
    item, each rewriting what the sink holds); nothing is reported before it is published."""
    auths = seed(legacyauth_emulator, 40)
    sink = SlowSink()
    reported_before_published: list[str] = []

    def on_result(result: ItemResult) -> None:
        if result.key not in sink.published:
            reported_before_published.append(result.key)

    async with LegacyAuthClient(legacyauth_emulator.url, legacyauth_emulator.token) as client:
        report = await rotate(
            client,
            auths,
            journal=tmp_path / "job.jsonl",
            sink=sink,
            concurrency=2,
            on_result=on_result,
        )
    assert report.all_ok
    assert report.complete
    assert sorted(sink.published) == sorted(auth.id for auth in auths)
    assert sum(sink.batches[1:]) == 40  # the first publish is the check, before any change
    assert max(sink.batches) > 2
    assert len(sink.batches) < 40 // 2
    assert reported_before_published == []


class WatchedPublisher(Publisher):
    """The job's publisher, its batches spaced far apart (as after a slow sink), noting
    for each batch whether it was told that no more items are coming."""

    made: ClassVar[list[WatchedPublisher]] = []

    def __init__(self, sink: CredentialSink, journal: Journal) -> None:
        super().__init__(sink, journal, spacing=20_000.0)
        self.hurried = False
        self.batches: list[tuple[list[str], bool]] = []
        WatchedPublisher.made.append(self)

    def hurry(self) -> None:
        self.hurried = True
        super().hurry()

    async def _publish(self, credentials: Sequence[Credential]) -> None:
        self.batches.append(([c.id for c in credentials], self.hurried))
        await super()._publish(credentials)


@pytest.fixture
def watched(monkeypatch: pytest.MonkeyPatch) -> list[WatchedPublisher]:
    WatchedPublisher.made.clear()
    monkeypatch.setattr(rotation_job, "Publisher", WatchedPublisher)
    return WatchedPublisher.made


class RevokedFor:
    """Forwards to the emulator, but answers the password POST for ``auth_id`` with the
    server's 401 (the token was revoked in the meantime)."""

    def __init__(self, inner: AiohttpTransport, auth_id: str) -> None:
        self.inner = inner
        self.path = f"/private/legacy/authorizations/{auth_id}/password"

    async def send(self, request: Request, *, timeout: Timeout) -> RawResponse:
        if request.method == "POST" and request.path == self.path:
            body = b'{"code":"unauthorized","message":"unauthorized access"}'
            return RawResponse(401, {"Content-Type": "application/json"}, body)
        return await self.inner.send(request, timeout=timeout)


async def test_a_job_stopped_by_a_401_publishes_what_it_set_without_the_spacing(
    legacyauth_emulator: ThreadedEmulator, tmp_path: Path, watched: list[WatchedPublisher]
) -> None:
    """The second credential waits for a batch spaced after the first; the third item's 401
    stops the job, and no more items start: nothing is worth waiting for any more."""
    auths = seed(legacyauth_emulator, 4)
    sink = MemorySink()
    async with aiohttp.ClientSession() as session:
        transport = RevokedFor(
            AiohttpTransport(base_url(legacyauth_emulator.url), session=session), auths[2].id
        )
        async with LegacyAuthClient(
            legacyauth_emulator.url, legacyauth_emulator.token, transport=transport
        ) as client:
            report = await rotate(client, auths, journal=tmp_path / "j", sink=sink, concurrency=1)
    assert [r.outcome for r in report.results] == [
        Outcome.OK, Outcome.OK, Outcome.FAILED, Outcome.SKIPPED,
    ]  # fmt: skip
    (publisher,) = watched
    # The first batch goes at once; the second only because the job had stopped.
    assert publisher.batches == [([auths[0].id], False), ([auths[1].id], True)]
    assert sorted(sink.published) == [auths[0].id, auths[1].id]


async def test_a_job_stopped_by_a_failing_callback_publishes_without_the_spacing(
    legacyauth_emulator: ThreadedEmulator, tmp_path: Path, watched: list[WatchedPublisher]
) -> None:
    auths = seed(legacyauth_emulator, 4)
    sink = MemorySink()
    first_reported = asyncio.Event()

    def on_result(result: ItemResult) -> None:
        first_reported.set()
        message = "dashboard unreachable"
        raise ConnectionError(message)

    class LoginAfterTheFirstReport:
        """The second item's login waits until the first item was reported (and the
        callback failed), so that the job stops before a third item starts."""

        def __init__(self, inner: AiohttpTransport) -> None:
            self.inner = inner
            self.logins = 0

        async def send(self, request: Request, *, timeout: Timeout) -> RawResponse:
            if request.path == "/query":
                self.logins += 1
                if self.logins == 2:
                    await first_reported.wait()
            return await self.inner.send(request, timeout=timeout)

    async with aiohttp.ClientSession() as session:
        transport = LoginAfterTheFirstReport(
            AiohttpTransport(base_url(legacyauth_emulator.url), session=session)
        )
        async with LegacyAuthClient(
            legacyauth_emulator.url, legacyauth_emulator.token, transport=transport
        ) as client:
            with pytest.raises(ConnectionError) as caught:
                await rotate(
                    client, auths, journal=tmp_path / "j", sink=sink, concurrency=1,
                    on_result=on_result,
                )  # fmt: skip
    report = caught.value.bulk_report  # type: ignore[attr-defined]
    assert [r.outcome for r in report.results] == [
        Outcome.OK, Outcome.OK, Outcome.SKIPPED, Outcome.SKIPPED,
    ]  # fmt: skip
    (publisher,) = watched
    assert publisher.batches == [([auths[0].id], False), ([auths[1].id], True)]
