# mypy: disable-error-code="no-untyped-call"
# (influxdb-client ships py.typed, but its generated services and models are unannotated)
"""The official ``influxdb-client`` (the 2.x Python client) against the emulator.

A sync client, so it talks to the threaded emulator of the ``legacyauth_emulator``
fixture (with ``--server``, a real server with the same surface). Each test drives a
service the way a user's code would and checks what the client hands back, which is what
a user's test would rely on.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from influxdb_client.client.influxdb_client import InfluxDBClient
from influxdb_client.domain.dbrp_create import DBRPCreate
from influxdb_client.domain.dbrp_update import DBRPUpdate
from influxdb_client.domain.legacy_authorization_post_request import (
    LegacyAuthorizationPostRequest,
)
from influxdb_client.domain.onboarding_request import OnboardingRequest
from influxdb_client.domain.password_reset_body import PasswordResetBody
from influxdb_client.domain.permission import Permission
from influxdb_client.domain.permission_resource import PermissionResource
from influxdb_client.rest import ApiException
from influxdb_client.service.dbr_ps_service import DBRPsService
from influxdb_client.service.legacy_authorizations_service import LegacyAuthorizationsService
from influxdb_client.service.setup_service import SetupService

if TYPE_CHECKING:
    from aioinflux_legacyauth.emulator import ThreadedEmulator


@pytest.fixture
def client(legacyauth_emulator: ThreadedEmulator) -> Iterator[InfluxDBClient]:
    """The official client with the operator token."""
    emu = legacyauth_emulator
    with InfluxDBClient(url=emu.url, token=emu.token, org=emu.org) as influx:
        yield influx


def test_ready_health_and_ping(
    client: InfluxDBClient, legacyauth_emulator: ThreadedEmulator
) -> None:
    """ready(), health() and ping(): the probes read as a healthy server of its release."""
    release = legacyauth_emulator.version
    ready = client.ready()
    assert ready.status == "ready"
    assert ready.up
    with pytest.warns(DeprecationWarning, match="Call 'ping\\(\\)' instead"):
        health = client.health()
    assert (health.name, health.status, health.version) == ("influxdb", "pass", release)
    assert health.message == "ready for queries and writes"
    assert client.ping() is True
    assert client.version() == release


def test_setup_service_after_setup(client: InfluxDBClient) -> None:
    """SetupService: onboarding is not allowed; posting it is a 422 conflict."""
    setup = SetupService(client.api_client)
    assert setup.get_setup().allowed is False
    request = OnboardingRequest(username="someone", org="other", bucket="b")
    with pytest.raises(ApiException) as refused:
        setup.post_setup(request)
    assert refused.value.status == 422
    assert "onboarding has already been completed" in str(refused.value.body)


def test_dbrps_service_round_trip(
    client: InfluxDBClient, legacyauth_emulator: ThreadedEmulator
) -> None:
    """DBRPsService: list (virtual mappings), create, get, patch, delete, and the conflict."""
    emu = legacyauth_emulator
    service = DBRPsService(client.api_client)
    bucket = emu.buckets["my-bucket"]
    listed = service.get_dbr_ps(org_id=emu.org_id)
    virtual = [m for m in listed.content if m.bucket_id == bucket]
    assert [(m.database, m.retention_policy, m.default, m.virtual) for m in virtual] == [
        ("my-bucket", "autogen", True, True)
    ]
    created = service.post_dbrp(
        DBRPCreate(org_id=emu.org_id, bucket_id=bucket, database="telegraf", retention_policy="raw")
    )
    assert (created.database, created.default, created.virtual) == ("telegraf", True, False)
    got = service.get_dbr_ps_id(created.id, org_id=emu.org_id)
    assert got.content.id == created.id
    patched = service.patch_dbrpid(
        created.id, DBRPUpdate(retention_policy="weekly"), org_id=emu.org_id
    )
    assert patched.content.retention_policy == "weekly"
    with pytest.raises(ApiException) as duplicate:
        service.post_dbrp(
            DBRPCreate(
                org_id=emu.org_id, bucket_id=bucket, database="telegraf", retention_policy="weekly"
            )
        )
    assert duplicate.value.status == 422
    service.delete_dbrpid(created.id, org_id=emu.org_id)
    with pytest.raises(ApiException) as gone:
        service.get_dbr_ps_id(created.id, org_id=emu.org_id)
    assert gone.value.status == 404


def test_legacy_authorizations_service(
    client: InfluxDBClient, legacyauth_emulator: ThreadedEmulator
) -> None:
    """LegacyAuthorizationsService: create a v1 credential, set its password, list it;
    the credential then logs in on /query."""
    emu = legacyauth_emulator
    service = LegacyAuthorizationsService(client.api_client)
    resource = PermissionResource(type="buckets", id=emu.buckets["my-bucket"], org_id=emu.org_id)
    created = service.post_legacy_authorizations(
        LegacyAuthorizationPostRequest(
            org_id=emu.org_id,
            token="grafana",
            permissions=[Permission(action="read", resource=resource)],
        )
    )
    assert (created.token, created.status, created.org) == ("grafana", "active", emu.org)
    service.post_legacy_authorizations_id_password(
        created.id, PasswordResetBody(password="grafana-password")
    )
    listed = service.get_legacy_authorizations()
    assert [a.token for a in listed.authorizations] == ["grafana"]
    assert emu.password_matches(created.id, "grafana-password")
    with pytest.raises(ApiException) as too_short:
        service.post_legacy_authorizations_id_password(created.id, PasswordResetBody(password="x"))
    assert too_short.value.status == 400
