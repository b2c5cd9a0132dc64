"""Installed from a clean copy of the checkout, the package works outside it: ``pip install ".[app]"``
into a new virtual environment, then the ``aecore`` command from another folder: ``--version``,
``train`` and ``encode``, with the shipped demo runs and the locales as package data.

The new environment borrows the test environment's installed packages (a ``.pth`` file) and pip
runs with ``--no-index``: nothing is downloaded, and an install that needs anything the lock does
not pin fails here.
"""

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import time
import tomllib
from pathlib import Path

import numpy as np
import pytest

from tests.builders import ROOT

pytestmark = pytest.mark.slow  # every test here takes more than ~2 s (see pytest.ini)


def _clean_copy(dest: Path) -> Path:
    """The files a clean clone would have (tracked, plus new files git does not ignore)."""
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
                            cwd=ROOT, capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():  # Deleted in the working tree: not in a clean clone of it either.
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)
    return dest


def _run(command, cwd, env, timeout=600):
    out = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert out.returncode == 0, f"{command}\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}"
    return out


@pytest.mark.skipif(shutil.which("git") is None or not (ROOT / ".git").exists(),
                    reason="needs a git checkout to copy cleanly")
def test_pip_install_app_extra_then_the_aecore_command_from_elsewhere(tmp_path, digits):
    source = _clean_copy(tmp_path / "src")
    venv = tmp_path / "v"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    python = venv / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    borrowed = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    Path(site, "test-environment.pth").write_text("\n".join(sorted(borrowed)) + "\n")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PIP_FIND_LINKS")}
    env.update(PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1", TF_CPP_MIN_LOG_LEVEL="3")

    _run([str(python), "-m", "pip", "install", "--no-build-isolation", f"{source}[app]"], tmp_path, env)

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    aecore = str(venv / "bin" / "aecore")
    with open(ROOT / "pyproject.toml", "rb") as f:
        version = tomllib.load(f)["project"]["version"]
    assert _run([aecore, "--version"], elsewhere, env).stdout.strip() == f"aecore {version} (Autoencoder Lab)"
    where = _run([str(python), "-c", "import aecore, aecore_app; print(aecore.__file__); print(aecore_app.__file__)"],
                 elsewhere, env).stdout.split()
    assert all(path.startswith(site) for path in where), where  # The installed copy, not the checkout.
    assert Path(site, "aecore_app", "locales", "ko.toml").is_file()
    assert Path(site, "aecore_app", "app_pages", "family_tabs", "gan.py").is_file()
    # The app's settings travel with it, the same as the checkout's (see the comment atop both).
    assert Path(site, "aecore_app", ".streamlit", "config.toml").read_bytes() == (
        ROOT / ".streamlit" / "config.toml").read_bytes()
    assert not Path(site, "app_ui").exists() and not Path(site, "app_pages").exists()
    assert Path(site, "aecore", "py.typed").is_file()  # type checkers read the package's hints
    license = _run([str(python), "-c", "import importlib.metadata as m; "
                    "print(m.metadata('autoencoder-lab')['License'])"], elsewhere, env).stdout
    assert license.strip() == "MIT"

    _run([aecore, "train", "--dataset", "digits", "--epochs", "1", "--out", str(tmp_path / "r")], elsewhere, env)
    images = tmp_path / "new.npy"
    np.save(images, np.rint(digits.X[:40] * 16).astype(np.uint8).reshape(-1, 8, 8))
    out = _run([aecore, "encode", str(tmp_path / "r"), str(images), "--out", str(tmp_path / "c.npy")],
               elsewhere, env)
    assert "encoded 40 row(s)" in out.stdout
    k = json.loads((tmp_path / "r" / "config.json").read_text())["config"]["n_components"]
    assert np.load(tmp_path / "c.npy").shape == (40, k)
    # The demo runs ship inside the package.
    listing = _run([aecore, "runs"], elsewhere, env).stdout
    assert "mnist-recommended" in listing and "balls-seed004" in listing
    assert "python -m aecore" not in _run([str(python), "-m", "aecore", "--help"], elsewhere, env).stdout

    _aecore_app_serves_the_home_page(aecore, elsewhere, env)


def _aecore_app_serves_the_home_page(aecore: str, cwd: Path, env: dict) -> None:
    """``aecore app`` from the installed package, outside the checkout: Chromium opens the home page."""
    from bench.harness.browser import CHROMIUM, IDLE, chromium
    from bench.harness.server import free_port, healthy

    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            raise RuntimeError("CI must install Debian's chromium (scripts/test.sh does).")
        return
    port = free_port()
    flags = ["--server.headless", "true", "--server.port", str(port), "--server.address", "127.0.0.1"]
    url = f"http://127.0.0.1:{port}"
    with open(cwd / "app.log", "w+") as log:
        proc = subprocess.Popen([aecore, "app", *flags], cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 180
            while not healthy(url, timeout=2):
                assert proc.poll() is None and time.monotonic() < deadline, log.read()
                time.sleep(0.5)  # polling a server that is starting
            with chromium() as browser:
                page = browser.new_page()
                page.set_default_timeout(180_000)
                page.goto(url)
                page.wait_for_selector(IDLE, state="attached")
                assert "Autoencoder Lab" in page.locator("h1").first.inner_text()
                exceptions = page.locator('[data-testid="stException"]')
                assert exceptions.count() == 0, exceptions.first.inner_text()
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    # `aecore app` is the server (exec), not a parent that dies and leaves it serving orphaned.
    assert not healthy(url, timeout=2), "the server still answers after `aecore app` was terminated"
