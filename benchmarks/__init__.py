"""Benchmarks of aioinflux-legacyauth against raw aiohttp and the official client.

``python -m benchmarks`` (``--quick`` for a run under a minute, ``--json PATH`` to keep the
numbers) starts the canned-response server in its own process and prints one table. Nothing
here is a test: the suite never asserts timings.
"""
