"""The demo's consumer step: provision a credential, verify it as a 1.x tool, rescope it.

What a newcomer most needs to see: one call makes a credential Grafana or Telegraf can use
(reading one bucket, writing another under the database name the tool is configured
with), the checks a 1.x tool's requests would make prove it works, and its buckets change
later without a new password. Each check is printed with what it proved; no password is.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Final

from .._client import LegacyAuthClient
from ..emulator import Emulator, FaultPlan
from ..provisioning import (
    CredentialSpec,
    Database,
    Expectation,
    RescopeItem,
    Verification,
    provision,
    rescope,
    verify,
)
from ._output import Output

__all__ = ["run_consumer_steps"]

#: ``timed(name, items, step)``: runs a step of the demo and records it in the report.
Timed = Callable[[str, int, Callable[[], Awaitable[tuple[str, bool]]]], Awaitable[None]]

_USERNAME: Final = "dashboards-and-agent"
_VERDICTS: Final = {True: "proved", False: "FAILED", None: "not checked"}


@contextlib.contextmanager
def _faults_paused(plan: FaultPlan) -> Iterator[None]:
    # As for seeding: a create that may have reached the server is never retried, so a
    # fault there would only end the step early.
    rate, plan.rate = plan.rate, 0.0
    try:
        yield
    finally:
        plan.rate = rate


def _show(out: Output, verification: Verification) -> None:
    for check in verification.checks:
        out.line(f"    {_VERDICTS[check.passed]}: {check.subject}: {check.reason}")


async def run_consumer_steps(
    client: LegacyAuthClient, emulator: Emulator, out: Output, timed: Timed
) -> None:
    """Provision, verify, rescope and verify again one consumer's credential."""
    spec = CredentialSpec(
        username=_USERNAME,
        org_id=emulator.org_id,
        read=["metrics"],
        write=[Database("logs", "applogs")],
        description="a dashboard reading metrics and an agent writing to 'applogs'",
    )
    secret: dict[str, str] = {}
    auth_ids: list[str] = []

    async def provision_it() -> tuple[str, bool]:
        result = await provision(client, spec)
        if result.password is not None:  # generated: kept for the next steps, never shown
            secret["password"] = result.password
        auth_ids.append(result.authorization.id)
        made = [m.binding.label for m in result.mappings if m.created]
        kept = [m.binding.label for m in result.mappings if not m.created]
        return (
            f"{result.change} {result.authorization.id}; database "
            f"{', '.join(map(repr, kept))} served by the bucket's own mapping, "
            f"{', '.join(map(repr, made))} by a new one",
            result.verification is not None and result.verification.ok,
        )

    async def verify_it(expectations: list[Expectation]) -> tuple[str, bool]:
        checked = await verify(client, _USERNAME, secret["password"], expectations)
        _show(out, checked)
        return f"{len(checked.checks)} checks: {checked.summary()}", checked.ok

    async def rescope_it(journal: Path) -> tuple[str, bool]:
        item = RescopeItem(
            target=auth_ids[0], read=["logs"], write=["metrics"], password=secret["password"]
        )
        report = await rescope(client, [item], journal=journal)
        new = report.new_ids.get(auth_ids[0], "?")
        return (
            f"{auth_ids[0]} is now {new}: same username and password, reads logs, writes metrics",
            report.all_ok and report.complete,
        )

    before = [
        Expectation(database="metrics", read=True, write=False),
        Expectation(database="applogs", read=False, write=True),
    ]
    after = [
        Expectation(database="logs", read=True, write=False),
        Expectation(database="metrics", read=False, write=True),
    ]
    with _faults_paused(emulator.faults), tempfile.TemporaryDirectory() as work:
        await timed("provision a consumer (read metrics, write logs)", 1, provision_it)
        if "password" not in secret:
            return
        await timed("verify it as a 1.x tool would", 1, lambda: verify_it(before))
        await timed("rescope it without a new password", 1, lambda: rescope_it(Path(work) / "j"))
        await timed("verify the new buckets", 1, lambda: verify_it(after))
        await _remove(client, emulator, out)


async def _remove(client: LegacyAuthClient, emulator: Emulator, out: Output) -> None:
    """Leave the emulator as the rest of the demo left it (``--keep-running`` shows it)."""
    executor = client.executor
    calls = executor.calls
    found = await executor.execute(calls.lookup_username(_USERNAME))
    if found.authorization is not None:
        await executor.execute(calls.delete(found.authorization.id))
    for mapping in await executor.execute(calls.list_dbrps(emulator.org_id)):
        if not mapping.virtual and mapping.database == "applogs":
            await executor.execute(calls.delete_dbrp(mapping.id, mapping.org_id))
    out.line(f"  (the consumer {_USERNAME!r} and its mapping are removed again)")
