"""Turn stored authorizations into response models, with the names the server looks up."""

from __future__ import annotations

from typing import Final

from ..._converter import converter
from ..._models import (
    AuthorizationLinks,
    AuthorizationList,
    LegacyAuthorization,
    ListLinks,
    Permission,
    Resource,
    ResourceType,
)
from ..domain.errors import NOT_FOUND, PlatformError
from ..domain.store import LegacyRecord, Store, TokenRecord

__all__ = [
    "LEGACY_PREFIX",
    "V2_AUTHORIZATIONS_PREFIX",
    "authorization_body",
    "authorization_list_body",
    "render_authorization",
]

LEGACY_PREFIX: Final = "/private/legacy/authorizations"
V2_AUTHORIZATIONS_PREFIX: Final = "/api/v2/authorizations"


def _resource_name(store: Store, resource_type: str, resource_id: str) -> str | None:
    """``getNameForResource``: only buckets, orgs and users have names; ``None`` if missing."""
    if resource_type == ResourceType.BUCKETS:
        bucket = store.bucket(resource_id)
        return None if bucket is None else bucket.name
    if resource_type == ResourceType.ORGS:
        org = store.org(resource_id)
        return None if org is None else org.name
    if resource_type == ResourceType.USERS:
        user = store.user(resource_id)
        return None if user is None else user.name
    return ""


def _named_permissions(store: Store, permissions: tuple[Permission, ...]) -> list[Permission]:
    # newPermissionsResponse: a resource whose ID no longer resolves loses both its name and
    # its org name (the loop `continue`s before the org lookup); an empty name is omitted.
    named = []
    for granted in permissions:
        resource = granted.resource
        name: str | None = None
        org_name: str | None = None
        resolved = True
        if resource.id is not None:
            found = _resource_name(store, resource.type, resource.id)
            if found is None:
                resolved = False
            else:
                name = found or None
        if resolved and resource.org_id is not None:
            org = store.org(resource.org_id)
            org_name = None if org is None else org.name
        named.append(
            Permission(
                action=granted.action,
                resource=Resource(
                    type=resource.type,
                    id=resource.id,
                    org_id=resource.org_id,
                    name=name,
                    org=org_name,
                ),
            )
        )
    return named


def render_authorization(
    store: Store, record: LegacyRecord | TokenRecord, prefix: str = LEGACY_PREFIX
) -> LegacyAuthorization:
    """The response model for a stored authorization (legacy, or v2 with another prefix).

    Raises the server's 404 if the authorization's org or user no longer exists.
    """
    org = store.org(record.org_id)
    if org is None:
        raise PlatformError(NOT_FOUND, "organization not found")
    user = store.user(record.user_id)
    if user is None:
        raise PlatformError(NOT_FOUND, "user not found")
    username = record.username if isinstance(record, LegacyRecord) else record.token
    return LegacyAuthorization(
        id=record.id,
        username=username,
        status=record.status,
        description=record.description,
        org_id=record.org_id,
        org=org.name,
        user_id=record.user_id,
        user=user.name,
        permissions=_named_permissions(store, record.permissions),
        links=AuthorizationLinks(
            self_=f"{prefix}/{record.id}", user=f"/api/v2/users/{record.user_id}"
        ),
        created_at=record.created_at,
        updated_at=record.updated_at,
    )


def authorization_body(authorization: LegacyAuthorization) -> dict[str, object]:
    """The JSON object of one authorization, keys in the server's order."""
    body: dict[str, object] = converter.unstructure(authorization)
    return body


def authorization_list_body(
    authorizations: list[LegacyAuthorization], prefix: str = LEGACY_PREFIX
) -> dict[str, object]:
    """The list body: ``links`` (only ``self``, never the query string) then the items."""
    listing = AuthorizationList(links=ListLinks(self_=prefix), authorizations=authorizations)
    body: dict[str, object] = converter.unstructure(listing)
    return body
