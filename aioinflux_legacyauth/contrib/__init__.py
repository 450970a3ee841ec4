"""Optional integrations, each behind an extra and imported only by name.

- :mod:`.otel` (extra ``otel``): OpenTelemetry spans for every call, bulk job and item,
  and ``Zap-Trace-Span`` (optionally ``uber-trace-id``) taken from them;
- :mod:`.aws` (extra ``aws``): :class:`~.aws.SecretsManagerSink` for ``rotate()``, and a
  Secrets Manager rotation Lambda handler for one legacy credential.

Importing the package (or this one) imports neither OpenTelemetry nor aiobotocore.
"""
