"""Publishing verified credentials: to the sink in batches, then journaled as done."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from .._errors import LegacyAuthError
from .group_commit import GroupCommit
from .journal import Journal
from .sinks import Credential, CredentialSink

__all__ = ["PublishError", "Publisher", "sink_failure"]


def sink_failure(exc: Exception) -> str:
    """What a sink's failure says: a refusal (a ValueError, such as FileSink's for a path
    that is a link or a directory) in its own words, anything else with its type."""
    if isinstance(exc, ValueError):
        return str(exc)
    return f"{exc.__class__.__name__}: {exc}"


class PublishError(LegacyAuthError):
    """The sink refused new credentials. They stay in the journal; re-run to resume."""


#: A publish batch that took d seconds is followed by the next one 9 d later at the
#: earliest: publishing takes at most a tenth of a job's time, and a sink whose cost grows
#: with what it holds (a file rewritten whole) gets batches that grow with it, so that a
#: job's total publishing cost grows linearly with its size.
PUBLISH_SPACING: Final = 9.0


class Publisher:
    """Publishes verified credentials in batches (group commit), then journals them done.

    A credential is only journaled done once the sink has it: a crash in between leaves
    it verified in the journal, and the next run publishes it again. Batches are spaced
    (:data:`PUBLISH_SPACING`) until :meth:`hurry` says no more items are coming.
    """

    def __init__(
        self, sink: CredentialSink, journal: Journal, *, spacing: float = PUBLISH_SPACING
    ) -> None:
        self._sink = sink
        self._journal = journal
        self._batches = GroupCommit(self._publish, spacing=spacing)

    async def publish(self, credential: Credential) -> None:
        """Return once ``credential`` is in the sink and journaled done."""
        await self._batches.submit(credential)

    async def _publish(self, credentials: Sequence[Credential]) -> None:
        try:
            await self._sink.publish(credentials)
        except Exception as exc:
            msg = (
                f"publishing {len(credentials)} new credentials failed "
                f"({sink_failure(exc)}); they are kept in the journal "
                f"{self._journal.path}: fix the cause and run the rotation again"
            )
            raise PublishError(msg) from exc
        await self._journal.append(*({"type": "done", "id": c.id} for c in credentials))

    def hurry(self) -> None:
        """No more credentials are coming but those in flight: publish without spacing."""
        self._batches.hurry()

    async def wait(self) -> None:
        """Until every credential handed over so far is published and journaled done."""
        await self._batches.wait()

    async def close(self) -> None:
        """Stop publishing (a batch cut off stays in the journal for the next run)."""
        await self._batches.cancel()
