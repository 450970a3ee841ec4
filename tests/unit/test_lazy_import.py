"""Importing the package builds nothing it does not need yet (issue 15).

The cattrs converter is built, and ``importlib.metadata`` searched, at first use; the
config-file reader is imported by ``from_env()``. Checked in a fresh interpreter, since
this one has imported everything already.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

import aioinflux_legacyauth
from aioinflux_legacyauth import _converter

_PROBE = """
import json, sys
from aioinflux_legacyauth import LegacyAuthClient
before = {name: name in sys.modules for name in ("cattrs", "importlib.metadata", "tomllib")}
import aioinflux_legacyauth
version = aioinflux_legacyauth.__version__
from aioinflux_legacyauth._converter import converter
print(json.dumps({"before": before, "version": version, "converter": type(converter).__name__}))
"""


def test_the_package_imports_without_cattrs_metadata_or_toml() -> None:
    # Without coverage's start-up hook (.ci/run sets it): coverage reads its settings
    # from pyproject.toml, importing tomllib before the package is.
    env = {name: value for name, value in os.environ.items() if name != "COVERAGE_PROCESS_START"}
    done = subprocess.run(  # noqa: S603 - this interpreter, a fixed script
        [sys.executable, "-c", _PROBE], capture_output=True, text=True, check=True, env=env
    )
    found = json.loads(done.stdout)
    assert found["before"] == {"cattrs": False, "importlib.metadata": False, "tomllib": False}
    assert found["version"] == aioinflux_legacyauth.__version__
    assert found["converter"] == "Converter"


def test_the_converter_is_built_once() -> None:
    assert _converter.converter is _converter.get_converter()
    assert _converter.converter is _converter.converter


@pytest.mark.parametrize(
    ("module", "name"), [(aioinflux_legacyauth, "__versio__"), (_converter, "convertor")]
)
def test_other_names_are_still_missing(module: object, name: str) -> None:
    with pytest.raises(AttributeError, match=name):
        getattr(module, name)
