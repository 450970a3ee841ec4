"""Crash-safe password rotation for legacy authorizations.

For each target the protocol is:

1. generate a strong password and journal it (fsync'd) **before** sending it;
2. set it; every retry, and every resumed run, sends that same journaled password;
3. verify it by logging in through the v1 ``/query`` endpoint;
4. publish it to the sink (durably), then journal the item as done;
5. when every item is done, scrub the passwords from the journal.

Running :func:`rotate` again with the same journal resumes the job: done items are
skipped, pending ones are re-sent their journaled password, never a new one. A crash at
any point therefore loses no credential: each target either still has its old password,
or has a new one that is in the journal and, once the job is resumed, in the sink.

One job per module:

- :mod:`.job`: :func:`rotate` and the per-item protocol, on the bulk worker pool;
- :mod:`.journal`: the write-ahead log (:class:`Journal`);
- :mod:`.sinks`: where new credentials go (:class:`CredentialSink`, :class:`FileSink`;
  a :class:`CheckingSink` also vets the targets before any password changes);
- :mod:`.publisher`: sink, then journal, for each verified credential;
- :mod:`.group_commit`: the batching the journal and the publisher share;
- :mod:`.durable`: whole writes, fsyncs and atomic replacement of files.
"""

from __future__ import annotations

from .job import RotationReport, generate_password, rotate
from .journal import JournalError, Target
from .publisher import PublishError
from .sinks import (
    CheckingSink,
    Credential,
    CredentialSink,
    FileSink,
    OutputFormat,
    parse_credentials,
    render_credentials,
)

__all__ = [
    "CheckingSink",
    "Credential",
    "CredentialSink",
    "FileSink",
    "JournalError",
    "OutputFormat",
    "PublishError",
    "RotationReport",
    "Target",
    "generate_password",
    "parse_credentials",
    "render_credentials",
    "rotate",
]
