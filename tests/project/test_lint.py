"""The linter finds nothing: ruff with the rules pyproject.toml names (pyflakes and pycodestyle's
errors), over the library, the app, the benchmarks, the tests and the scripts."""

import subprocess
import sys

from tests.builders import ROOT


def test_ruff_finds_nothing():
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "--output-format", "concise", "."], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
