"""One person in the multi-user browser load test (bench/load_browser.py): what their browser
context saw (:class:`Person`, :class:`Visit`) and :class:`Browser`, a Chromium page with the waits
the harness needs: one JavaScript snapshot of the page, *ready* (script finished, charts drawn,
images loaded, and so for 0.4 s), a guided-tour step and a training on the Train page."""

from __future__ import annotations

import asyncio
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

POLL_S = 0.2
STABLE_S = 0.4
BUSY_PATTERN = r"server is busy|in the queue|queued"

#: One JavaScript look at the page: script state, boxes, charts, images, injected elements.
SNAPSHOT_JS = r"""(expect) => {
  const app = document.querySelector('[data-testid="stApp"]');
  const main = document.querySelector('[data-testid="stMain"]') || document.body;
  const texts = (sel) => Array.from(main.querySelectorAll(sel)).map((e) => e.innerText.slice(0, 300));
  const visible = (e) => e.getClientRects().length > 0;
  const charts = Array.from(main.querySelectorAll('[data-testid="stPlotlyChart"]')).filter(visible);
  const text = main.innerText || '';
  return {
    script: app ? app.getAttribute('data-test-script-state') : null,
    exceptions: texts('[data-testid="stException"]'),
    errors: texts('[data-testid="stAlertContentError"]'),
    warnings: texts('[data-testid="stAlertContentWarning"]'),
    infos: texts('[data-testid="stAlertContentInfo"]'),
    successes: texts('[data-testid="stAlertContentSuccess"]'),
    progress: main.querySelectorAll('[data-testid="stProgress"]').length,
    charts: charts.length,
    drawn: charts.filter((c) => c.querySelector('.main-svg')).length,
    skeletons: main.querySelectorAll('[data-testid="stSkeleton"]').length,
    pendingImages: Array.from(main.querySelectorAll('img')).filter((i) => !i.complete).length,
    evil: document.querySelectorAll('a[href*="evil.example"], img[src*="evil.example"]').length,
    busy: new RegExp(""" + repr(BUSY_PATTERN) + r""", 'i').test(text),
    expected: !expect || text.includes(expect),
  };
}"""


@dataclass
class Visit:
    step: str
    page: str
    script_s: float  # until the script finished with the step's banner shown
    ready_s: float  # until the charts had drawn and the images loaded


@dataclass
class Person:
    """What one browser context saw."""

    name: str
    role: str  # "solo", "honest", "trainer", "hostile", "slot check"
    visits: list[Visit] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)  # JavaScript errors (reported apart)
    notes: dict = field(default_factory=dict)


class Browser:
    """A Chromium page for one person, with the waits the harness needs."""

    def __init__(self, page, url: str, person: Person, verbose: bool = False):
        self.page, self.url, self.person, self.verbose = page, url, person, verbose
        self.finished_runs = 0
        page.on("pageerror", lambda exc: person.page_errors.append(str(exc)[:200]))
        page.on("websocket", lambda socket: socket.on("framereceived", self._frame))

    @classmethod
    async def open(cls, context, url: str, person: Person, verbose: bool = False) -> "Browser":
        """A new tab in ``context``."""
        return cls(await context.new_page(), url, person, verbose)

    def _frame(self, payload) -> None:
        """Count the server's "script finished" messages (small ForwardMsgs; deltas are not read)."""
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        if isinstance(payload, bytes) and len(payload) < 2048:
            try:
                kind = ForwardMsg.FromString(payload).WhichOneof("type")
            except Exception:  # noqa: BLE001  (google.protobuf DecodeError: not a ForwardMsg)
                return
            self.finished_runs += kind == "script_finished"

    async def runs(self) -> int:
        """How many script runs this tab has seen finish so far."""
        return self.finished_runs

    def say(self, text: str) -> None:
        if self.verbose:
            print(f"[{self.person.name}] {text}", file=sys.stderr, flush=True)

    async def snapshot(self, expect: str = "") -> dict:
        try:
            snap = await self.page.evaluate(SNAPSHOT_JS, expect)
        except Exception as exc:  # noqa: BLE001  (a page in the middle of navigating)
            return {"script": None, "error": str(exc)[:100]}
        for kind in ("exceptions", "errors", "warnings", "infos", "successes"):
            snap[kind] = [_clean(text) for text in snap[kind]]
        return snap

    @staticmethod
    def ready(snap: dict) -> bool:
        return (snap.get("script") == "notRunning" and snap["expected"] and not snap["skeletons"]
                and snap["drawn"] == snap["charts"] and not snap["pendingImages"])

    async def settle(self, limit: float, expect: str = "", since_runs: int | None = None,
                     started: float | None = None, watch=None) -> tuple[float | None, float | None, dict]:
        """Wait until the page is ready and stays so; returns (script s, ready s, last snapshot),
        the times counted from ``started`` and None where the limit ran out first."""
        started = time.perf_counter() if started is None else started
        seen_running, script_s, ready_since, snap = since_runs is None, None, None, {}
        while time.perf_counter() - started < limit:
            snap = await self.snapshot(expect)
            now = time.perf_counter() - started
            if watch is not None:
                watch(snap)
            if self.finished_runs > (since_runs or 0):
                seen_running = True
            if seen_running and snap.get("script") == "notRunning" and snap.get("expected"):
                script_s = script_s if script_s is not None else now
                if self.ready(snap):
                    ready_since = now if ready_since is None else ready_since
                    if now - ready_since >= STABLE_S:
                        return script_s, ready_since, snap
                else:
                    ready_since = None
            else:
                script_s, ready_since = None, None
            await asyncio.sleep(POLL_S)
        return script_s, None, snap

    def check(self, what: str, snap: dict) -> None:
        """Count exception boxes and error boxes as this person's problems."""
        self.person.problems += [f"{what}: exception: {text}" for text in snap.get("exceptions", [])]
        self.person.problems += [f"{what}: error box: {text}" for text in snap.get("errors", [])]

    async def tour_step(self, index: int, limit: float) -> None:
        from aecore_app import tour
        from aecore_app.i18n import translate

        step = tour.STEPS[index]
        page = Path(step.page).stem
        banner = translate("tour.step", "en", n=index + 1, total=len(tour.STEPS))
        started = time.perf_counter()
        try:
            await self.page.goto(f"{self.url}/{page}?{urlencode(tour.link_params(index))}",
                                 wait_until="commit", timeout=limit * 1000)
            script_s, ready_s, snap = await self.settle(limit, expect=banner, started=started)
        except Exception as exc:  # noqa: BLE001  (one failed step is a problem, the tour goes on)
            self.person.problems.append(f"step {index + 1} ({step.id}): {type(exc).__name__}: "
                                        f"{str(exc).splitlines()[0][:200]}")
            return
        self.check(f"step {index + 1} ({step.id})", snap)
        if ready_s is None:
            self.person.problems.append(f"step {index + 1} ({step.id}): not ready within {limit:.0f} s "
                                        f"(script state {snap.get('script')})")
            return
        self.person.visits.append(Visit(step.id, page, script_s, ready_s))
        self.say(f"step {index + 1} {step.id}: script {script_s:.1f} s, ready {ready_s:.1f} s")

    async def click_train(self) -> None:
        button = self.page.locator(".st-key-train-go button")
        if not await button.count():
            button = self.page.get_by_role("button", name="Train", exact=True)
        await button.first.click(timeout=60_000)

    async def train(self, query: str, limit: float) -> dict:
        """Open the Train page with ``query``, press Train unless the link trained by itself, wait
        for the "Trained ..." message. Returns what happened and when."""
        started = time.perf_counter()
        seen = {"busy": False, "progress": None, "origin": started}

        def watch(snap: dict) -> None:
            seen["busy"] |= bool(snap.get("busy"))
            if snap.get("progress") and seen["progress"] is None:
                seen["progress"] = time.perf_counter() - seen["origin"]

        await self.page.goto(f"{self.url}/train?{query}", wait_until="commit", timeout=limit * 1000)
        _, ready_s, snap = await self.settle(limit, started=started, watch=watch)
        how = "the link trained by itself"
        if ready_s is not None and not any("Trained" in s for s in snap.get("successes", [])):
            how = "the Train button"
            runs = await self.runs()
            await self.click_train()
            clicked_at = seen["origin"] = time.perf_counter()
            seen["progress"] = None
            _, ready_s, snap = await self.settle(limit - (clicked_at - started), since_runs=runs,
                                                 started=clicked_at, watch=watch)
        self.check("training", snap)
        trained = any("Trained" in s for s in snap.get("successes", []))
        return {"trained": trained, "how": how, "seconds": time.perf_counter() - started,
                "start_s": seen["progress"], "queued_message": seen["busy"], "finished": ready_s is not None,
                "message": (snap.get("successes") or snap.get("errors") or snap.get("warnings") or [""])[0]}


def _clean(text: str) -> str:
    """A message's text on one line, without its icon's ligature name (``check_circle``, ``block``)
    and without the characters that would break a Markdown table."""
    text = re.sub(r"^[a-z_]+\s*\n+", "", text.strip())
    return re.sub(r"\s+", " ", text).replace("|", "/")

