"""The ``legacyauth_emulator`` fixture under its former module path, for projects that
name it (``-p aioinflux_legacyauth.emulator.pytest_plugin`` or ``pytest_plugins``).

The plugin pytest loads through the ``pytest11`` entry point is the top-level
``_aioinflux_legacyauth_pytestplugin``, which costs nothing until the fixture is used.
"""

from __future__ import annotations

from _aioinflux_legacyauth_pytestplugin import (
    legacyauth_emulator,
    legacyauth_emulator_options,
)

__all__ = ["legacyauth_emulator", "legacyauth_emulator_options"]
