#!/usr/bin/env bash
# Install everything the tests need into .venv and run the whole suite (the README's test command).
set -euo pipefail
cd "$(dirname "$0")/.."
if command -v apt-get >/dev/null 2>&1 && { ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi nanum; }; then
  # The browser suite drives Debian's Chromium; Playwright cannot download its own here.
  # fonts-nanum: Korean glyphs for the Korean tour's screenshots (people's browsers have their own).
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-nanum >/dev/null) \
    || echo "warning: could not install chromium; the browser tests will say so" >&2
fi
python3 -m venv .venv
.venv/bin/pip install -q --upgrade pip
.venv/bin/pip install -q -r requirements-dev.txt
export TF_CPP_MIN_LOG_LEVEL=3
# Two workers, one per core of a 2-core machine; a file stays on one worker (its module-scoped
# server and fixtures are started once, its tests run in order).
.venv/bin/python -m pytest -n 2 --dist loadfile "$@"
