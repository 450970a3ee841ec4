"""rescope() against the emulator (or --server's): new buckets, same username and password,
per item."""

from __future__ import annotations

import json
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from aioinflux_legacyauth import (
    AiohttpTransport,
    LegacyAuthClient,
    LegacyAuthorization,
    Outcome,
    Permission,
    RawResponse,
    Request,
    RetryPolicy,
    Timeout,
    TransportError,
)
from aioinflux_legacyauth._transports import base_url
from aioinflux_legacyauth.emulator import Emulator
from aioinflux_legacyauth.provisioning import (
    Database,
    ProvisionError,
    RescopeItem,
    passwords_from_file,
    passwords_from_rotation_journal,
    rescope,
)
from aioinflux_legacyauth.provisioning.journal import RescopeJournalError
from aioinflux_legacyauth.rotation import Credential, FileSink, rotate

PASSWORD = "rescope-Password-1"


async def grafana(
    emu: Emulator, name: str = "grafana", *, password: str = PASSWORD
) -> LegacyAuthorization:
    """A consumer reading metrics."""
    grant = [Permission.read_bucket(emu.buckets["metrics"], emu.org_id)]
    return await emu.create_legacy_authorization(
        name, grant, password=password, description="dashboards"
    )


def granted(auth: LegacyAuthorization) -> list[str]:
    return sorted(str(p) for p in auth.permissions)


def expected(emu: Emulator, *, read: list[str], write: list[str]) -> list[str]:
    return sorted(
        [str(Permission.read_bucket(emu.buckets[b], emu.org_id)) for b in read]
        + [str(Permission.write_bucket(emu.buckets[b], emu.org_id)) for b in write]
    )


def by_username(emu: Emulator, username: str) -> LegacyAuthorization:
    (found,) = [a for a in emu.legacy_authorizations() if a.username == username]
    return found


async def test_rescope_keeps_username_and_password(
    emu: Emulator, client: LegacyAuthClient, tmp_path: Path
) -> None:
    """The credential gets the new buckets (a new ID: the server cannot change them in
    place), the same username, owner, description and password; verified; the journal
    is scrubbed, 0600."""
    old = await grafana(emu)
    journal = tmp_path / "rescope.journal"
    item = RescopeItem(
        target=old, read=["logs"], write=[Database("metrics", "metrics_w")], password=PASSWORD
    )
    report = await rescope(client, [item], journal=journal)
    (result,) = report.results
    assert result.outcome is Outcome.OK, result.message
    assert "verified" in (result.message or "")
    new = by_username(emu, "grafana")
    assert new.id != old.id
    assert report.new_ids == {old.id: new.id}
    assert emu.legacy_authorization(old.id) is None
    assert granted(new) == expected(emu, read=["logs"], write=["metrics"])
    assert (new.user_id, new.description, new.status) == (old.user_id, old.description, old.status)
    assert await client.check_login("grafana", PASSWORD)
    assert [(m.database, m.bucket_id) for m in emu.dbrp_mappings() if not m.virtual] == [
        ("metrics_w", emu.buckets["metrics"])
    ]
    assert report.complete
    assert stat.S_IMODE(journal.stat().st_mode) == 0o600
    assert PASSWORD not in journal.read_text()
    assert json.loads(journal.read_text().splitlines()[-1]) == {"type": "complete"}
    # Running the finished job again changes nothing.
    again = await rescope(client, None, journal=journal)
    assert [r.outcome for r in again.results] == [Outcome.ALREADY_DONE]


async def test_bulk_rescope_reports_every_item(
    emu: Emulator, client: LegacyAuthClient, tmp_path: Path
) -> None:
    """Three credentials: two rescoped, one whose password is wrong left as it was."""
    first, second = await grafana(emu, "g1"), await grafana(emu, "g2")
    wrong = await grafana(emu, "g3", password="another-Password-9")
    items = [RescopeItem(target=a.id, read=["logs"]) for a in (first, wrong, second)]
    report = await rescope(
        client,
        items,
        journal=tmp_path / "j",
        passwords={a.id: PASSWORD for a in (first, second, wrong)},
    )
    assert [(r.key, r.outcome) for r in report.results] == [
        (first.id, Outcome.OK),
        (wrong.id, Outcome.FAILED),
        (second.id, Outcome.OK),
    ]
    assert "does not log in" in (report.results[1].message or "")
    assert emu.legacy_authorization(wrong.id) == wrong
    for name in ("g1", "g2"):
        assert granted(by_username(emu, name)) == expected(emu, read=["logs"], write=[])


async def test_nothing_changes_when_no_item_can_be_planned(
    emu: Emulator, client: LegacyAuthClient, tmp_path: Path
) -> None:
    """No password, an unknown bucket, a database name of another bucket: no journal."""
    auth = await grafana(emu)
    items = [
        RescopeItem(target=auth.id, read=["logs"]),
        RescopeItem(target=auth.id, read=["nope"], password=PASSWORD),
        RescopeItem(target=auth.id, read=[Database("metrics", "logs")], password=PASSWORD),
    ]
    report = await rescope(client, items, journal=tmp_path / "j")
    messages = [r.message or "" for r in report.results]
    assert "no current password" in messages[0]
    assert "bucket 'nope' not found" in messages[1]
    assert "database 'logs' already leads to bucket 'logs'" in messages[2]
    assert not (tmp_path / "j").exists()
    assert emu.legacy_authorization(auth.id) == auth


async def test_passwords_from_a_rotation_output_file(
    emu: Emulator, client: LegacyAuthClient, tmp_path: Path
) -> None:
    """The rotation's output holds the current password: the rescope uses it."""
    auth = await grafana(emu, password="old-Password-1")
    output = tmp_path / "new.env"
    rotated = await rotate(
        client, [auth], journal=tmp_path / "rotation.journal", sink=FileSink(output, "env")
    )
    assert rotated.all_ok
    passwords = passwords_from_file(output)
    report = await rescope(
        client,
        [RescopeItem(target=auth.id, read=["logs"])],
        journal=tmp_path / "j",
        passwords=passwords,
    )
    assert report.all_ok
    assert await client.check_login("grafana", passwords[auth.id])


class FailingSink:
    """A sink that cannot publish: the rotation keeps its passwords in the journal."""

    async def publish(self, credentials: object) -> None:
        if credentials:
            raise OSError("the secret store is down")


async def test_passwords_from_an_unfinished_rotation_journal(
    emu: Emulator, client: LegacyAuthClient, tmp_path: Path
) -> None:
    auth = await grafana(emu, password="old-Password-1")
    rotation = tmp_path / "rotation.journal"
    with pytest.raises(Exception, match="the secret store is down"):
        await rotate(client, [auth], journal=rotation, sink=FailingSink())
    passwords = passwords_from_rotation_journal(rotation)
    assert list(passwords) == [auth.id]
    report = await rescope(
        client,
        [RescopeItem(target=auth.id, read=["logs"])],
        journal=tmp_path / "j",
        passwords=passwords,
    )
    assert report.all_ok
    assert await client.check_login("grafana", passwords[auth.id])


class Hooked:
    """The real transport, with a function run before the first request ``match`` names
    (or instead of it, when the function returns a response or raises)."""

    def __init__(
        self, url: str, match: Callable[[Request], bool], hook: Callable[[], RawResponse | None]
    ) -> None:
        self.inner = AiohttpTransport(base_url(url))
        self.match, self.hook, self.fired = match, hook, False

    async def send(self, request: Request, *, timeout: Timeout) -> RawResponse:
        if not self.fired and self.match(request):
            self.fired = True
            answer = self.hook()
            if answer is not None:
                return answer
        return await self.inner.send(request, timeout=timeout)


def is_create(request: Request) -> bool:
    return request.method == "POST" and request.path == "/private/legacy/authorizations"


def is_delete(request: Request) -> bool:
    return request.method == "DELETE" and request.path.startswith("/private/legacy/")


async def test_a_refused_creation_puts_the_old_credential_back(
    emu: Emulator, tmp_path: Path
) -> None:
    """The new bucket is deleted between the plan and the create: the server refuses the
    new credential, and the old one comes back with the same password."""
    auth = await grafana(emu)
    temporary = emu.create_bucket("temporary")
    transport = Hooked(emu.url, is_delete, lambda: emu.delete_bucket(temporary))
    try:
        async with LegacyAuthClient(emu.url, emu.token, transport=transport) as client:
            item = RescopeItem(target=auth.id, read=["temporary"], password=PASSWORD)
            report = await rescope(client, [item], journal=tmp_path / "j")
            (result,) = report.results
            assert result.outcome is Outcome.FAILED
            assert "the old one was put back with the same password" in (result.message or "")
            back = by_username(emu, "grafana")
            assert granted(back) == granted(auth)
            assert await client.check_login("grafana", PASSWORD)
    finally:
        await transport.inner.close()
    assert report.complete


def lost_answer() -> RawResponse:
    raise TransportError("connection reset", method="POST", path="/", maybe_sent=True)


async def test_an_unknown_step_is_finished_by_the_next_run(emu: Emulator, tmp_path: Path) -> None:
    """The create's answer is lost (it may have been applied): the item is unknown, the
    journal keeps it, and running the job again finishes it."""
    auth = await grafana(emu)
    journal = tmp_path / "j"
    transport = Hooked(emu.url, is_create, lost_answer)
    try:
        async with LegacyAuthClient(
            emu.url, emu.token, transport=transport, retry=RetryPolicy(instant=True)
        ) as client:
            item = RescopeItem(target=auth.id, read=["logs"], password=PASSWORD)
            first = await rescope(client, [item], journal=journal)
            assert [r.outcome for r in first.results] == [Outcome.UNKNOWN]
            assert not first.complete
            assert PASSWORD in journal.read_text()
            again = await rescope(client, None, journal=journal)
            assert [r.outcome for r in again.results] == [Outcome.OK]
            assert again.resumed
            assert again.complete
            assert await client.check_login("grafana", PASSWORD)
    finally:
        await transport.inner.close()
    assert granted(by_username(emu, "grafana")) == expected(emu, read=["logs"], write=[])


async def test_the_same_buckets_change_nothing_but_the_mappings(
    emu: Emulator, client: LegacyAuthClient, tmp_path: Path
) -> None:
    auth = await grafana(emu)
    item = RescopeItem(target=auth.id, read=[Database("metrics", "dashboards")], password=PASSWORD)
    report = await rescope(client, [item], journal=tmp_path / "j")
    assert report.all_ok
    assert "already had these permissions" in (report.results[0].message or "")
    assert emu.legacy_authorization(auth.id) == auth
    assert "dashboards" in {m.database for m in emu.dbrp_mappings()}


async def test_an_inactive_credential_is_rescoped_unverified(
    emu: Emulator, client: LegacyAuthClient, tmp_path: Path
) -> None:
    grant = [Permission.read_bucket(emu.buckets["metrics"], emu.org_id)]
    auth = await emu.create_legacy_authorization("parked", grant, password=PASSWORD, active=False)
    report = await rescope(
        client,
        [RescopeItem(target=auth.id, read=["logs"], password=PASSWORD)],
        journal=tmp_path / "j",
    )
    assert report.all_ok
    assert "not verified: it is inactive" in (report.results[0].message or "")
    new = by_username(emu, "parked")
    assert not new.active
    assert await emu.password_matches(new.id, PASSWORD)


async def test_a_journal_of_another_job_is_refused(
    emu: Emulator, client: LegacyAuthClient, tmp_path: Path
) -> None:
    first, second = await grafana(emu, "g1"), await grafana(emu, "g2")
    journal = tmp_path / "j"
    transport_failure = RescopeItem(target=first.id, read=["logs"], password=PASSWORD)
    await rescope(client, [transport_failure], journal=journal)
    with pytest.raises(RescopeJournalError, match="does not include"):
        await rescope(
            client,
            [RescopeItem(target=second.id, read=["logs"], password=PASSWORD)],
            journal=journal,
        )


def test_an_item_never_shows_its_password() -> None:
    item = RescopeItem(target="0d9c3a1e5b2f4000", read=["logs"], password=PASSWORD)
    assert PASSWORD not in repr(item)
    assert PASSWORD not in repr(Credential("0d9c3a1e5b2f4000", "g", PASSWORD))


@pytest.mark.emulator_only(reason="reads the request log")
async def test_a_dry_run_reads_and_tries_the_password_only(
    emu: Emulator, client: LegacyAuthClient, tmp_path: Path
) -> None:
    auth = await grafana(emu)
    before = len(emu.requests.records())
    item = RescopeItem(target=auth.id, read=[Database("logs", "applogs")], password=PASSWORD)
    report = await rescope(client, [item], journal=tmp_path / "j", dry_run=True)
    assert report.dry_run
    (result,) = report.results
    assert result.outcome is Outcome.OK
    assert "would be re-created with read:" in (result.message or "")
    assert "1 new DBRP mapping(s)" in (result.message or "")
    sent = emu.requests.records()[before:]
    assert {(r.method, r.path) for r in sent if r.method != "GET"} == set()
    assert not (tmp_path / "j").exists()
    assert emu.legacy_authorization(auth.id) == auth


def test_password_sources_refuse_what_they_cannot_read(tmp_path: Path) -> None:
    """Errors name the file and the line or key, never a value."""
    with pytest.raises(ProvisionError, match="cannot read"):
        passwords_from_file(tmp_path / "missing.json")
    broken = tmp_path / "broken.csv"
    broken.write_text("id,username,password\n0d9c3a1e5b2f4000,grafana\n")
    with pytest.raises(ProvisionError, match="line 2 does not have three values"):
        passwords_from_file(broken)
    with pytest.raises(ProvisionError, match="cannot open journal"):
        passwords_from_rotation_journal(tmp_path / "missing.journal")


async def test_a_failing_callback_lets_every_started_item_finish(
    emu: Emulator, client: LegacyAuthClient, tmp_path: Path
) -> None:
    """on_result raises at the first item: the items under way still end with a working
    credential under their username, the rest are skipped by key, and a rerun finishes."""
    auths = [await grafana(emu, f"g{index}") for index in range(6)]
    items = [RescopeItem(target=a.id, read=["logs"]) for a in auths]

    def on_result(result: object) -> None:
        message = "dashboard unreachable"
        raise ConnectionError(message)

    with pytest.raises(ConnectionError) as caught:
        await rescope(
            client,
            items,
            journal=tmp_path / "j",
            passwords={a.id: PASSWORD for a in auths},
            concurrency=3,
            on_result=on_result,
        )
    report = caught.value.bulk_report  # type: ignore[attr-defined]
    assert {r.outcome for r in report.results} == {Outcome.OK, Outcome.SKIPPED}
    assert [r.key for r in report.by_outcome(Outcome.SKIPPED)] == [
        a.id for a in auths[-len(report.by_outcome(Outcome.SKIPPED)) :]
    ]
    for auth in auths:  # none left between the delete and the create
        assert await client.check_login(auth.username, PASSWORD)
    finished = await rescope(client, None, journal=tmp_path / "j")
    assert {r.outcome for r in finished.results} <= {Outcome.OK, Outcome.ALREADY_DONE}
    for name in (a.username for a in auths):
        assert granted(by_username(emu, name)) == expected(emu, read=["logs"], write=[])
