"""Hypothesis profiles: "ci" (the default: quick) and "release" (long); HYPOTHESIS_PROFILE picks one.

Profiles must be registered before the tests that use them are collected, so tests/conftest.py imports this
module. A test that passes `max_examples` to its own @settings overrides the profile: leave it out.

    HYPOTHESIS_PROFILE=release .venv/bin/pytest -n 2 tests/test_fuzz_parse.py   # 2,000 examples per test
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

_SLOW_OK = [HealthCheck.too_slow, HealthCheck.data_too_large]

settings.register_profile("ci", max_examples=30, deadline=None, suppress_health_check=_SLOW_OK)
settings.register_profile("release", max_examples=2000, deadline=None, suppress_health_check=_SLOW_OK)
settings.register_profile("dev", max_examples=10, deadline=None, suppress_health_check=_SLOW_OK)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
