"""Tests of attacks whose fix lies in modules being rewritten on another branch.

Each test fails today. They are not collected by default (the suite must stay green);
run them with ``AIOINFLUX_ATTACK_PENDING=1 pytest tests/attack_pending``.
"""

from __future__ import annotations

import os

collect_ignore_glob = [] if os.environ.get("AIOINFLUX_ATTACK_PENDING") else ["test_*.py"]
