"""Connection settings (flags over INFLUX_* over INFLUXDB_V2_*) and ``--http-debug``."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

from aioinflux_legacyauth._transports.debug import redact_body, redact_headers, redact_params
from aioinflux_legacyauth.emulator import FAST_HASH_COST, Fault, ThreadedEmulator

if TYPE_CHECKING:
    from tests.cli.conftest import RunCli

DEAD_HOST = "http://127.0.0.1:9"
PASSWORD = "debug-secret-pass-1"


def test_flags_win_over_the_environment(run_cli: RunCli, emulator: ThreadedEmulator) -> None:
    """--host and --token replace what INFLUX_HOST and INFLUX_TOKEN say."""
    emulator.create_legacy_authorization("flagged")
    env = {"INFLUX_HOST": DEAD_HOST, "INFLUX_TOKEN": "wrong-token"}
    result = run_cli(
        "list", "--host", emulator.url, "--token", emulator.token, "--hide-headers", env=env
    )
    assert result.status == 0, result.stderr
    assert "flagged" in result.stdout
    short = run_cli("list", "-t", emulator.token, "--host", emulator.url, env=env)
    assert short.status == 0


def test_a_token_that_starts_with_a_dash_is_the_token_flag_s_value(run_cli: RunCli) -> None:
    """InfluxDB tokens are URL-safe base64: about one in 64 starts with "-". Given as the
    next argument (``--token -x...``, ``-t -x...``), it is still the token, and a usage
    error of the same command line never shows it."""
    token = "-dash-first-operator-token"
    with ThreadedEmulator(token=token, hash_cost=FAST_HASH_COST) as dashed:
        dashed.create_legacy_authorization("dashed")
        env = {"INFLUX_HOST": None, "INFLUX_TOKEN": None}
        for flag in ("--token", "-t"):
            result = run_cli("list", "--host", dashed.url, flag, token, env=env)
            assert result.status == 0, result.stderr
            assert "dashed" in result.stdout
        wrong = run_cli("list", "--host", dashed.url, "--token", token, "--bogus", env=env)
        assert wrong.status == 2
        assert token not in wrong.output
        assert "dash-first" not in wrong.output


def test_an_option_is_not_taken_as_the_value_of_the_option_before_it(run_cli: RunCli) -> None:
    """``--org --json`` is a missing org, not an org called "--json"."""
    result = run_cli("create", "--username", "u1", "--org", "--json", "--no-password")
    assert result.status == 2
    assert "--org" in result.stderr
    assert "expected one argument" in result.stderr


def test_influx_variables_win_over_influxdb_v2_ones(
    run_cli: RunCli, emulator: ThreadedEmulator
) -> None:
    """INFLUX_HOST/INFLUX_TOKEN come first; INFLUXDB_V2_URL/TOKEN are the fallback."""
    emulator.create_legacy_authorization("from-env")
    env = {"INFLUXDB_V2_URL": DEAD_HOST, "INFLUXDB_V2_TOKEN": "wrong-token"}
    assert run_cli("list", env=env).status == 0
    fallback = {
        "INFLUX_HOST": None,
        "INFLUX_TOKEN": None,
        "INFLUXDB_V2_URL": emulator.url,
        "INFLUXDB_V2_TOKEN": emulator.token,
    }
    result = run_cli("list", "--hide-headers", env=fallback)
    assert result.status == 0, result.stderr
    assert "from-env" in result.stdout


def test_missing_token_is_a_usage_error(run_cli: RunCli) -> None:
    """No token anywhere: exit 2, naming both --token and INFLUX_TOKEN."""
    result = run_cli("list", env={"INFLUX_TOKEN": None})
    assert result.status == 2
    assert result.stdout == ""
    assert "--token" in result.stderr
    assert "INFLUX_TOKEN" in result.stderr
    assert result.stderr.startswith("error: ")


@pytest.mark.parametrize(
    ("argv", "env", "message"),
    [
        (("--host", "ftp://example.com"), {}, "url must be an http:// or https:// URL"),
        ((), {"INFLUX_SKIP_VERIFY": "maybe"}, "INFLUX_SKIP_VERIFY must be true or false"),
        ((), {"INFLUXDB_V2_TIMEOUT": "-5"}, "INFLUXDB_V2_TIMEOUT must be a positive number"),
        ((), {"INFLUX_OUTPUT_JSON": "perhaps"}, "INFLUX_OUTPUT_JSON must be true or false"),
        ((), {"INFLUX_HIDE_HEADERS": "perhaps"}, "INFLUX_HIDE_HEADERS must be true or false"),
    ],
)
def test_bad_settings_are_usage_errors(
    run_cli: RunCli, argv: tuple[str, ...], env: dict[str, str], message: str
) -> None:
    """A setting the client cannot use is reported as a usage error (exit 2)."""
    result = run_cli("list", *argv, env=env)
    assert result.status == 2
    assert message in result.stderr


def test_skip_verify_flag_and_variable_turn_verification_off(
    run_cli: RunCli, caplog: pytest.LogCaptureFixture
) -> None:
    """--skip-verify and INFLUX_SKIP_VERIFY=true reach the client, which warns about it for
    an https:// URL; an http:// URL has no TLS to verify, so no warning (issue 13)."""
    warning = "TLS certificate verification is turned off"
    plain_http: tuple[dict[str, Any], ...] = (
        {},
        {"env": {"INFLUX_SKIP_VERIFY": "false"}},
        {"env": {"INFLUX_SKIP_VERIFY": "true"}},
    )
    for options in plain_http:
        caplog.clear()
        assert run_cli("list", **options).status == 0
        assert warning not in caplog.text
    caplog.clear()
    assert run_cli("list", "--skip-verify").status == 0
    assert warning not in caplog.text
    tls = ("--host", "https://127.0.0.1:9")
    skipping: tuple[tuple[tuple[str, ...], dict[str, Any]], ...] = (
        ((*tls, "--skip-verify"), {}),
        (tls, {"env": {"INFLUX_SKIP_VERIFY": "true"}}),
    )
    for argv, options in skipping:
        caplog.clear()
        assert run_cli("list", *argv, **options).status == 1  # nothing listens there
        assert warning in caplog.text
    caplog.clear()
    assert run_cli("list", *tls).status == 1
    assert warning not in caplog.text


def test_http_debug_shows_exchanges_without_secrets(
    run_cli: RunCli, emulator: ThreadedEmulator
) -> None:
    """--http-debug prints each request and response on stderr; the token and the
    password are redacted, the rest (methods, URLs, statuses, bodies) is there."""
    created = run_cli(
        "create", "--org", "my-org", "--username", "debugged", "--password", PASSWORD,
        "--read-bucket", "my-bucket", "--http-debug", "--json",
    )  # fmt: skip
    assert created.status == 0, created.stderr
    auth_id = json.loads(created.stdout)["id"]
    err = created.stderr
    assert "> GET " in err
    assert f"{emulator.url}/api/v2/orgs?org=my-org" in err
    assert "> POST " + emulator.url + "/private/legacy/authorizations\n" in err
    assert f"> POST {emulator.url}/private/legacy/authorizations/{auth_id}/password" in err
    assert "> Authorization: Token [redacted]" in err
    assert '>   "password": "[redacted]"' in err
    assert "< 201 Created" in err
    assert "< 204 No Content" in err
    assert PASSWORD not in created.output
    assert emulator.token not in created.output
    # The stdout stays clean for scripts.
    assert json.loads(created.stdout)["token"] == "debugged"
    assert emulator.password_matches(auth_id, PASSWORD)

    changed = run_cli(
        "set-password", "--username", "debugged", "--password", PASSWORD + "x", "--http-debug"
    )
    assert changed.status == 0
    assert changed.stdout == ""
    assert "?token=debugged" in changed.stderr
    assert PASSWORD not in changed.output


def test_http_debug_delete_whose_answer_was_lost_is_done(
    run_cli: RunCli, emulator: ThreadedEmulator
) -> None:
    """With --http-debug too, a DELETE applied and then cut off is reported deleted.

    The debugging transport's session once resent the DELETE silently (aiohttp's own
    retry of idempotent requests), so the client saw only the resend's 404 and reported
    "not found" for a credential this very command had deleted.
    """
    auth = emulator.create_legacy_authorization("cut-off")
    emulator.faults.add(Fault.drop_after(), method="DELETE", times=1)
    result = run_cli("delete", "--id", auth.id, "--json", "--http-debug")
    assert result.status == 0, result.stderr
    assert json.loads(result.stdout)["id"] == auth.id
    assert emulator.legacy_authorizations() == []
    # The lost answer is shown as such, then the retry that found the credential gone.
    assert "< DELETE " in result.stderr
    assert "< 404 Not Found" in result.stderr


def test_http_debug_shows_failures(run_cli: RunCli) -> None:
    """A connection that fails is shown as such, then reported as the error."""
    result = run_cli("get", "--id", "0123456789abcdef", "--http-debug", "--host", DEAD_HOST)
    assert result.status == 1
    assert "< GET /private/legacy/authorizations/0123456789abcdef: could not connect" in (
        result.stderr
    )


def test_redact_headers_keeps_only_the_scheme() -> None:
    """Token, Bearer and Basic credentials lose their value; cookies are hidden whole."""
    shown = dict(
        redact_headers(
            {
                "Authorization": "Basic dXNlcjpwYXNz",
                "Proxy-Authorization": "Bearer abc",
                "Cookie": "session=s3cret",
                "Set-Cookie": "session=s3cret",
                "Accept": "application/json",
            }
        )
    )
    assert shown == {
        "Authorization": "Basic [redacted]",
        "Proxy-Authorization": "Bearer [redacted]",
        "Cookie": "[redacted]",
        "Set-Cookie": "[redacted]",
        "Accept": "application/json",
    }
    assert redact_headers({"authorization": "bare-token"}) == [("authorization", "[redacted]")]


def test_redact_params_hides_v1_credentials() -> None:
    """``u`` and ``p`` (the v1 login) are redacted; other query values are kept."""
    shown = redact_params((("u", "grafana"), ("p", "pw-123456"), ("q", "SHOW DATABASES")))
    assert shown == "u=[redacted]&p=[redacted]&q=SHOW+DATABASES"


def test_redact_body() -> None:
    """Passwords in JSON bodies are redacted; v2 tokens too; other request bodies are
    never shown; long non-JSON answers are cut."""
    sent = redact_body(b'{"password":"pw-123456"}', "/private/x/password", sent=True)
    assert sent is not None
    assert json.loads(sent) == {"password": "[redacted]"}
    nested = redact_body(b'{"a":[{"Password":"pw"}],"token":"user"}', "/private/x", sent=False)
    assert nested is not None
    assert json.loads(nested) == {"a": [{"Password": "[redacted]"}], "token": "user"}
    v2 = redact_body(
        b'{"authorizations":[{"token":"v2-secret"}]}', "/api/v2/authorizations", sent=False
    )
    assert v2 is not None
    assert "v2-secret" not in v2
    assert redact_body(b"password=pw-123456", "/x", sent=True) == "[18 bytes, not shown]"
    html = redact_body(b"<html>" + b"x" * 5000, "/x", sent=False)
    assert html is not None
    assert html.startswith("<html>")
    assert html.endswith("... [3006 more characters]")
    assert redact_body(b"", "/x", sent=False) is None
