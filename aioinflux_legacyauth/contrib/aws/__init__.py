"""AWS Secrets Manager: where rotated legacy credentials go, and a rotation Lambda for one.

- :class:`SecretsManagerSink`: a :class:`~aioinflux_legacyauth.rotation.CredentialSink`
  for :func:`~aioinflux_legacyauth.rotation.rotate`, one secret per credential (a name
  template) or one secret holding them all (a map);
- :func:`lambda_handler`: the four steps (``createSecret``, ``setSecret``, ``testSecret``,
  ``finishSecret``) Secrets Manager's own rotation calls, for a secret holding one legacy
  credential.

The secret value is AWS's InfluxDB rotation schema (``engine``, ``username``,
``password``, optionally ``dbIdentifier``) plus the authorization's ``id`` and the
server's ``url``: see :mod:`.secret`. Needs the extra ``aws`` (aiobotocore).
"""

from __future__ import annotations

try:
    import aiobotocore.session  # noqa: F401 - fail here, naming the extra
    import botocore.exceptions  # noqa: F401
except ModuleNotFoundError as missing:  # pragma: no cover - the test extra installs it
    msg = "aioinflux_legacyauth.contrib.aws needs: pip install 'aioinflux-legacyauth[aws]'"
    raise ImportError(msg) from missing

from .lambda_handler import STEPS, LambdaSettings, RotationStepError, lambda_handler, rotate_secret
from .secret import ENGINE, ForeignSecretError, LegacySecret, SecretsManagerError
from .sink import SecretsManagerSink

__all__ = [
    "ENGINE",
    "STEPS",
    "ForeignSecretError",
    "LambdaSettings",
    "LegacySecret",
    "RotationStepError",
    "SecretsManagerError",
    "SecretsManagerSink",
    "lambda_handler",
    "rotate_secret",
]
