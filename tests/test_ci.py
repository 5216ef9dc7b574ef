"""CI tells the truth: under CI=true a test that skips (a tool it needs is missing) fails the
run, naming why; elsewhere it skips and says why."""

from __future__ import annotations

import pytest

TESTS = '''
import shutil
import pytest

@pytest.mark.skipif(shutil.which("no-such-tool-here") is None, reason="LibreOffice not installed")
def test_needs_a_tool():
    pass

@pytest.mark.skip_ok_in_ci("only on Windows")
@pytest.mark.skipif(True, reason="not Windows")
def test_may_skip():
    pass

def test_runs():
    pass
'''


@pytest.fixture
def suite(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makeconftest("from tests.conftest import pytest_configure, "
                          "pytest_runtest_makereport  # noqa: F401")
    pytester.makepyfile(test_suite=TESTS)
    return pytester


def test_a_skip_fails_under_ci(suite: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    result = suite.runpytest("-rs")
    assert result.ret != 0
    result.assert_outcomes(passed=1, skipped=1, errors=1)
    result.stdout.fnmatch_lines(["*CI=true and this test skipped (LibreOffice not installed)*"])


def test_a_skip_is_shown_outside_ci(suite: pytest.Pytester,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    result = suite.runpytest("-rs")
    assert result.ret == 0
    result.assert_outcomes(passed=1, skipped=2)
    result.stdout.fnmatch_lines(["SKIPPED*LibreOffice not installed*"])
