"""The real InfluxDB server in the test suite: the script's process, a handle with the
emulator's surface over the real HTTP API, and the tests that need both."""
