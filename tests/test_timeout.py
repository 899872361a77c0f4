"""Every test runs under a time limit (issue 22): a hang in process, like the admin chart's
month loop that never ended, fails its test instead of stalling the whole run."""

import pytest


def test_every_test_runs_under_a_time_limit(pytestconfig: pytest.Config) -> None:
    assert pytestconfig.pluginmanager.hasplugin("timeout"), (
        "pytest-timeout is not installed: `pip install -e '.[test]'` (make install)"
    )
    assert pytestconfig.getini("timeout") == "300"  # seconds, per test
    assert pytestconfig.getini("timeout_func_only") is True  # the test, not its fixtures
