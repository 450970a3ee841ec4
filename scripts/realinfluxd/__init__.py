"""Build, cache and run a real InfluxDB OSS 2.x server (``influxd``) for the test suite.

``scripts/real-influxd`` is the command line; it behaves like
``python -m aioinflux_legacyauth.emulator`` (same flags, same JSON line when ready) but
runs the real server, built once from its Go module into the user's cache directory.
Standard library only, so it runs before the project is installed.
"""
