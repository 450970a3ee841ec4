"""pytest plugin: the ``legacyauth_emulator`` fixture (filled in by the emulator work)."""
