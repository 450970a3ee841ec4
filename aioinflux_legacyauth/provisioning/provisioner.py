"""``provision``: from nothing to a v1 credential a 1.x tool can use, in one call.

The plan (:func:`plan_provision`) only reads: the spec resolved, the credential that has
the username (if any) and how it differs, and the DBRP mappings each database name needs.
:func:`provision` carries it out: the missing mappings, then the credential with exactly
the spec's permissions and its password (given, or generated and returned once), then
the checks a 1.x tool would make. Run again with the same spec it changes nothing and
says so. A failure part-way takes back everything the call made, mappings included.
"""

from __future__ import annotations

import enum
import functools
from typing import TYPE_CHECKING

import attrs

from .._executor import Executor
from .._models import AuthorizationCreate, AuthStatus, DBRPMapping, LegacyAuthorization
from .._tracing import TraceSpanLike
from ..rotation.job import generate_password
from .diff import differences
from .errors import ProvisionConflictError, VerificationError
from .mappings import MappingAction, MappingStep, describe_bucket, plan_mappings
from .resolve import resolve_spec
from .spec import Binding, CredentialSpec, ResolvedSpec
from .undo import Undo
from .verification import Expectation, LoginRefusal, Verification, check_credential

if TYPE_CHECKING:
    from .._client import LegacyAuthClient

__all__ = [
    "Change",
    "MappingResult",
    "ProvisionPlan",
    "ProvisionResult",
    "plan_provision",
    "provision",
]


class Change(enum.StrEnum):
    """What :func:`provision` did to the credential."""

    #: It did not exist and was created.
    CREATED = "created"
    #: A conflicting one was deleted and a new one created (``replace=True``).
    REPLACED = "replaced"
    #: It was as specified; missing mappings were created, or the password was set.
    UPDATED = "updated"
    #: Everything was as specified already.
    UNCHANGED = "unchanged"


@attrs.frozen(slots=True, kw_only=True)
class MappingResult:
    """The mapping that serves one binding, and whether this call created it."""

    binding: Binding
    mapping: DBRPMapping
    created: bool

    def describe(self) -> str:
        """``database 'x' -> bucket 'y': created mapping <id>``."""
        how = f"created mapping {self.mapping.id}" if self.created else _serving(self.mapping)
        return f"database {self.binding.label!r} -> bucket {self.binding.bucket.name!r}: {how}"


def _serving(mapping: DBRPMapping) -> str:
    if mapping.virtual:
        return "the bucket's own (virtual) mapping"
    return f"existing mapping {mapping.id}"


@attrs.frozen(slots=True, kw_only=True)
class ProvisionPlan:
    """What :func:`provision` would do, found by reading only."""

    spec: ResolvedSpec
    #: The credential that has the username, if the token can see it.
    existing: LegacyAuthorization | None
    #: The username is taken by a credential the token cannot see.
    username_hidden: bool
    #: How ``existing`` differs from the spec (empty: it is as specified).
    differences: tuple[str, ...]
    #: One step per binding that can be served.
    steps: tuple[MappingStep, ...]
    #: Database names that lead elsewhere already: nothing is done while there are any.
    conflicts: tuple[str, ...]

    @property
    def up_to_date(self) -> bool:
        """Whether the credential and every mapping are as specified already."""
        return (
            self.existing is not None
            and not self.differences
            and not self.conflicts
            and all(step.action is MappingAction.EXISTS for step in self.steps)
        )

    def describe(self) -> list[str]:
        """What would happen, one line per action (for a dry run)."""
        username = self.spec.username
        lines = []
        if self.username_hidden:
            lines.append(
                f"conflict: username {username!r} is taken by a credential this token cannot see"
            )
        lines += [f"conflict: {conflict}" for conflict in self.conflicts]
        for step in self.steps:
            binding = step.binding
            target = f"database {binding.label!r} -> bucket {binding.bucket.name!r}"
            if step.create is not None:
                lines.append(
                    f"create mapping: {target} (retention policy {step.create.retention_policy!r})"
                )
            elif step.mapping is not None:
                lines.append(f"keep: {target}, {_serving(step.mapping)}")
        if self.existing is None:
            granted = ", ".join(str(p) for p in self.spec.permissions)
            lines.append(f"create legacy authorization {username!r} with {granted}")
        elif self.differences:
            lines += [f"differs: {difference}" for difference in self.differences]
        else:
            lines.append(
                f"keep: legacy authorization {self.existing.id} ({username!r}) is as specified"
            )
        return lines


@attrs.frozen(slots=True, kw_only=True)
class ProvisionResult:
    """What :func:`provision` made. ``password`` is set only when this call generated it:
    it is shown nowhere else, not in a repr, and not again on a later run."""

    authorization: LegacyAuthorization
    change: Change
    mappings: tuple[MappingResult, ...]
    #: The checks a 1.x tool would make (None: not run, or no password to run them with).
    verification: Verification | None
    password: str | None = attrs.field(default=None, repr=False)
    #: The credential deleted to make room (``replace=True``).
    replaced: LegacyAuthorization | None = None
    message: str = ""

    @property
    def changed(self) -> bool:
        """Whether this call changed anything on the server."""
        return self.change is not Change.UNCHANGED


async def plan_provision(
    client: LegacyAuthClient, spec: CredentialSpec, *, trace_span: TraceSpanLike | None = None
) -> ProvisionPlan:
    """Work out what :func:`provision` would do, reading only."""
    executor = client.executor
    executor.check_open()
    return await _plan(executor, spec, trace_span)


async def _plan(
    executor: Executor, spec: CredentialSpec, span: TraceSpanLike | None
) -> ProvisionPlan:
    calls = executor.calls
    resolved, buckets = await resolve_spec(executor, spec, span)
    lookup = await executor.execute(calls.lookup_username(spec.username, span))
    mappings = await executor.execute(calls.list_dbrps(resolved.org_id, trace_span=span))
    names = {bucket.id: bucket.name for bucket in buckets}
    steps, conflicts = plan_mappings(resolved.bindings, mappings, names)
    existing = lookup.authorization
    return ProvisionPlan(
        spec=resolved,
        existing=existing,
        username_hidden=lookup.exists and existing is None,
        differences=tuple(differences(existing, resolved)) if existing is not None else (),
        steps=steps,
        conflicts=conflicts,
    )


async def provision(
    client: LegacyAuthClient,
    spec: CredentialSpec,
    *,
    password: str | None = None,
    replace: bool = False,
    verify: bool = True,
    trace_span: TraceSpanLike | None = None,
) -> ProvisionResult:
    """Make the credential ``spec`` describes, with the DBRP mappings its consumer needs.

    ``password`` is the one to set; without it one is generated (256 bits) and returned
    once in :attr:`ProvisionResult.password`. With ``verify`` the result is checked as a
    1.x tool would check it (:mod:`.verify`); a check that fails takes the call back and
    raises :class:`VerificationError`.

    If a credential with the username exists and is as specified, nothing changes (a given
    password is checked by logging in; missing mappings are created). If it differs,
    :class:`ProvisionConflictError` names every difference, unless ``replace`` is set: then it is
    deleted and a new one made (its old password is gone; to keep it, use ``rescope``).
    A database name that already leads to another bucket is always a conflict. A failure
    part-way removes what the call made and notes that on the error.
    """
    executor = client.executor
    executor.check_open()
    if password is not None:
        executor.calls.check_password(password)
    plan = await _plan(executor, spec, trace_span)
    username = spec.username
    if plan.username_hidden:
        hidden = (
            "it is taken by a legacy authorization this token cannot see, or one whose "
            "org or owning user no longer exists"
        )
        subject = f"username {username!r}"
        raise ProvisionConflictError(subject, [hidden])
    if plan.conflicts:
        subject = f"the database names of {username!r}"
        raise ProvisionConflictError(subject, plan.conflicts)
    existing = plan.existing
    if existing is not None and plan.differences and not replace:
        subject = f"legacy authorization {existing.id} ({username!r}) differs from the spec"
        raise ProvisionConflictError(subject, plan.differences)
    job = _Provisioning(executor, plan, trace_span)
    try:
        mappings = await job.make_mappings()
        if existing is not None and not plan.differences:
            result = await job.keep(existing, mappings, password, verify=verify, replace=replace)
        else:
            result = await job.create(mappings, password, verify=verify)
    except BaseException as exc:
        await job.undo.run(exc)
        raise
    job.undo.forget()
    return result


def _describe_mapping(binding: Binding, made: DBRPMapping) -> str:
    target = describe_bucket(made.bucket_id, {binding.bucket.id: binding.bucket.name})
    return f"DBRP mapping {made.id} (database {binding.label!r} -> {target})"


@attrs.define
class _Provisioning:
    """One run of :func:`provision`: its changes, and how to take them back."""

    executor: Executor
    plan: ProvisionPlan
    span: TraceSpanLike | None
    undo: Undo = attrs.field(factory=Undo)

    @property
    def expectations(self) -> list[Expectation]:
        return [Expectation.of(binding) for binding in self.plan.spec.bindings]

    async def make_mappings(self) -> tuple[MappingResult, ...]:
        calls = self.executor.calls
        results = []
        for step in self.plan.steps:
            if step.mapping is not None:
                results.append(
                    MappingResult(binding=step.binding, mapping=step.mapping, created=False)
                )
                continue
            assert step.create is not None  # noqa: S101 - a step has one or the other
            made = await self.undo.make(
                self.executor.execute(calls.create_dbrp(step.create, self.span)),
                pending=f"the DBRP mapping of database {step.binding.label!r} being created",
                what=functools.partial(_describe_mapping, step.binding),
                undo=self.remove_mapping,
            )
            results.append(MappingResult(binding=step.binding, mapping=made, created=True))
        return tuple(results)

    async def remove_mapping(self, mapping: DBRPMapping) -> None:
        calls = self.executor.calls
        await self.executor.execute(calls.delete_dbrp(mapping.id, mapping.org_id, self.span))

    async def check(self, password: str) -> Verification:
        spec = self.plan.spec
        return await check_credential(
            self.executor, spec.username, password, self.expectations, trace_span=self.span
        )

    async def keep(
        self,
        existing: LegacyAuthorization,
        mappings: tuple[MappingResult, ...],
        password: str | None,
        *,
        verify: bool,
        replace: bool,
    ) -> ProvisionResult:
        """The credential is as specified: check the password given, if any."""
        created = sum(result.created for result in mappings)
        change = Change.UPDATED if created else Change.UNCHANGED
        done = f"created {created} DBRP mapping(s)" if created else "nothing changed"
        message = f"already provisioned as specified; {done}"
        if password is None or not verify:
            if password is None:
                message += " (the password is not shown again: it was returned when it was made)"
            return ProvisionResult(
                authorization=existing,
                change=change,
                mappings=mappings,
                verification=None,
                message=message,
            )
        verification = await self.check(password)
        wrong_password = verification.refusal in (
            LoginRefusal.WRONG_PASSWORD,
            LoginRefusal.PASSWORD_RULE,
        )
        if not verification.logged_in and wrong_password and replace:
            calls = self.executor.calls
            await self.executor.execute(calls.set_password(existing.id, password, self.span))
            verification = await self.check(password)
            change, message = (
                Change.UPDATED,
                f"already provisioned as specified; the password given was set; {done}",
            )
        if not verification.ok:
            msg = (
                f"legacy authorization {existing.id} ({existing.username!r}) does not work "
                f"as specified: {verification.summary()}"
            )
            raise VerificationError(msg, verification)
        return ProvisionResult(
            authorization=existing,
            change=change,
            mappings=mappings,
            verification=verification,
            message=message,
        )

    async def create(
        self, mappings: tuple[MappingResult, ...], password: str | None, *, verify: bool
    ) -> ProvisionResult:
        """Make the credential (after deleting the one it replaces), set its password, check."""
        executor, calls, spec = self.executor, self.executor.calls, self.plan.spec
        secret = password if password is not None else generate_password()
        calls.check_password(secret)
        replaced = self.plan.existing
        if replaced is not None:
            await executor.execute(calls.delete(replaced.id, self.span))
        try:
            body = AuthorizationCreate(
                username=spec.username,
                status=AuthStatus.ACTIVE,
                org_id=spec.org_id,
                user_id=spec.user_id,
                description=spec.description,
                permissions=spec.permissions,
            )
            made = await self.undo.make(
                executor.execute(calls.create(body, self.span)),
                pending=f"the legacy authorization {spec.username!r} being created",
                what=lambda made: f"legacy authorization {made.id} ({made.username!r})",
                undo=lambda made: executor.execute(calls.delete(made.id, self.span)),
            )
            await executor.execute(calls.set_password(made.id, secret, self.span))
            verification = await self.check(secret) if verify else None
            if verification is not None and not verification.ok:
                msg = (
                    f"the new credential {spec.username!r} does not work as specified: "
                    f"{verification.summary()}"
                )
                raise VerificationError(msg, verification)
        except BaseException as exc:
            if replaced is not None:
                exc.add_note(
                    f"the legacy authorization it was to replace ({replaced.id}) was deleted"
                )
            raise
        created = sum(result.created for result in mappings)
        return ProvisionResult(
            authorization=made,
            change=Change.REPLACED if replaced is not None else Change.CREATED,
            mappings=mappings,
            verification=verification,
            password=None if password is not None else secret,
            replaced=replaced,
            message=(
                f"{'replaced' if replaced is not None else 'created'} legacy authorization "
                f"{made.id}; created {created} DBRP mapping(s)"
            ),
        )
