"""Credentials that work for their consumer: provision, verify, rescope, audit.

What a v1 credential needs beyond its record: a DBRP mapping for each database name a 1.x
tool uses, exactly the permissions it should have, a password that logs in, and a way to
change its buckets later without handing out a new password. One job per module:

- :mod:`.provisioner`: :func:`provision` (and :func:`plan_provision`, its dry run);
- :mod:`.verification`: :func:`verify`, what a 1.x tool will experience, writing nothing;
- :mod:`.rescoping`: :func:`rescope`, new buckets for existing credentials, same password,
  crash-safe like rotation (:mod:`.journal` is its write-ahead log);
- :mod:`.auditing`: :func:`audit`, a read-only report of credentials that will not work;
- :mod:`.spec`, :mod:`.resolve`, :mod:`.mappings`, :mod:`.diff`: the spec, its lookup, the
  mapping plan and the differences (the last two without I/O);
- :mod:`.passwords`: current passwords from a rotation's output file or journal;
- :mod:`.undo`, :mod:`.errors`.

The names below are imported on first use: :mod:`aioinflux_legacyauth.rotation` uses
:mod:`.verification` while :mod:`.rescoping` uses the rotation's building blocks, and
importing only what is asked for keeps that from being a cycle. (The modules are not named
after the functions, which a submodule's import would otherwise replace on the package.)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from .auditing import AuditReport, Finding, Problem, audit
    from .errors import ProvisionConflictError, ProvisionError, VerificationError
    from .journal import RescopeJournalError
    from .passwords import passwords_from_file, passwords_from_rotation_journal
    from .provisioner import (
        Change,
        MappingResult,
        ProvisionPlan,
        ProvisionResult,
        plan_provision,
        provision,
    )
    from .rescoping import RescopeItem, RescopeReport, rescope
    from .spec import CredentialSpec, Database
    from .verification import Check, CheckKind, Expectation, LoginRefusal, Verification, verify

#: Each public name, and the module it lives in.
_EXPORTS: Final = {
    "AuditReport": "auditing",
    "Finding": "auditing",
    "Problem": "auditing",
    "audit": "auditing",
    "ProvisionConflictError": "errors",
    "ProvisionError": "errors",
    "VerificationError": "errors",
    "RescopeJournalError": "journal",
    "passwords_from_file": "passwords",
    "passwords_from_rotation_journal": "passwords",
    "Change": "provisioner",
    "MappingResult": "provisioner",
    "ProvisionPlan": "provisioner",
    "ProvisionResult": "provisioner",
    "plan_provision": "provisioner",
    "provision": "provisioner",
    "RescopeItem": "rescoping",
    "RescopeReport": "rescoping",
    "rescope": "rescoping",
    "CredentialSpec": "spec",
    "Database": "spec",
    "Check": "verification",
    "CheckKind": "verification",
    "Expectation": "verification",
    "LoginRefusal": "verification",
    "Verification": "verification",
    "verify": "verification",
}

__all__ = [
    "AuditReport",
    "Change",
    "Check",
    "CheckKind",
    "CredentialSpec",
    "Database",
    "Expectation",
    "Finding",
    "LoginRefusal",
    "MappingResult",
    "Problem",
    "ProvisionConflictError",
    "ProvisionError",
    "ProvisionPlan",
    "ProvisionResult",
    "RescopeItem",
    "RescopeJournalError",
    "RescopeReport",
    "Verification",
    "VerificationError",
    "audit",
    "passwords_from_file",
    "passwords_from_rotation_journal",
    "plan_provision",
    "provision",
    "rescope",
    "verify",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        msg = f"module {__name__!r} has no attribute {name!r}"
        raise AttributeError(msg)
    return getattr(importlib.import_module(f".{module}", __name__), name)


def __dir__() -> list[str]:
    return sorted(__all__)
