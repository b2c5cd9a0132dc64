"""The visitors of the browser load test (bench/load_browser.py): :class:`Browser`, one person's tab
with the waits the test needs (*ready*: script finished, charts drawn, images loaded, for 0.4 s), and
:class:`Hostile`, whose probes report what the page did (a message, a hang, a training that started,
an injected link) and the server's peak meanwhile."""

from __future__ import annotations

import asyncio
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from bench.harness.memory import tree_rss_kb
from bench.load_browser_server import FORGE_JS, HOSTILE_LINKS, hostile_uploads, memory_uploads, png

POLL_S, STABLE_S = 0.2, 0.4
BUSY_PATTERN = r"server is busy|in the queue|queued"
UPLOAD_INPUT = '[data-testid="stFileUploaderDropzoneInput"]'
#: One JavaScript look at the page: script state, boxes, charts, images, injected elements.
SNAPSHOT_JS = r"""(expect) => {
  const app = document.querySelector('[data-testid="stApp"]');
  const main = document.querySelector('[data-testid="stMain"]') || document.body;
  const all = (id) => Array.from(main.querySelectorAll(`[data-testid="${id}"]`));
  const texts = (id) => all(id).map((e) => e.innerText.slice(0, 300));
  const charts = all('stPlotlyChart').filter((e) => e.getClientRects().length > 0);
  const text = main.innerText || '';
  return {
    script: app ? app.getAttribute('data-test-script-state') : null,
    exceptions: texts('stException'), errors: texts('stAlertContentError'), warnings: texts('stAlertContentWarning'),
    infos: texts('stAlertContentInfo'), successes: texts('stAlertContentSuccess'),
    progress: all('stProgress').length, skeletons: all('stSkeleton').length,
    charts: charts.length, drawn: charts.filter((c) => c.querySelector('.main-svg')).length,
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
class Person:  # what one browser context saw
    name: str
    role: str  # "solo", "honest", "trainer", "hostile", "slot check"
    visits: list[Visit] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)  # JavaScript errors (reported apart)
    notes: dict = field(default_factory=dict)


class Browser:
    """A Chromium tab for one person, with the waits the test needs."""

    def __init__(self, page, url: str, person: Person, verbose: bool = False):
        self.page, self.url, self.person, self.verbose = page, url, person, verbose
        self.finished_runs = 0
        page.on("pageerror", lambda exc: person.page_errors.append(str(exc)[:200]))
        page.on("websocket", lambda socket: socket.on("framereceived", self._frame))

    @classmethod
    async def open(cls, context, url: str, person: Person | str, verbose: bool = False) -> "Browser":
        """A new tab in ``context`` (a name alone is a hostile person)."""
        person = Person(person, "hostile") if isinstance(person, str) else person
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

    def say(self, text: str) -> None:
        if self.verbose:
            print(f"[{self.person.name}] {text}", file=sys.stderr, flush=True)

    async def snapshot(self, expect: str = "") -> dict:
        try:
            snap = await self.page.evaluate(SNAPSHOT_JS, expect)
        except Exception as exc:  # noqa: BLE001  (a page in the middle of navigating)
            return {"script": None, "error": str(exc)[:100]}
        for kind in ("exceptions", "errors", "warnings", "infos", "successes"):
            # One line, without the icon's ligature name (``check_circle``) and Markdown table bars.
            snap[kind] = [re.sub(r"\s+", " ", re.sub(r"^[a-z_]+\s*\n+", "", t.strip())).replace("|", "/")
                          for t in snap[kind]]
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
            seen_running |= self.finished_runs > (since_runs or 0)
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

    async def goto(self, path: str, limit: float) -> tuple[float | None, float | None, dict]:
        await self.page.goto(self.url + path, wait_until="commit", timeout=limit * 1000)
        return await self.settle(limit)

    def check(self, what: str, snap: dict) -> None:
        """Count exception boxes and error boxes as this person's problems."""
        self.person.problems += [f"{what}: exception: {text}" for text in snap.get("exceptions", [])]
        self.person.problems += [f"{what}: error box: {text}" for text in snap.get("errors", [])]

    async def tour_step(self, index: int, limit: float) -> None:
        from aecore_app import tour
        from aecore_app.i18n import translate

        step = tour.STEPS[index]
        page, what = Path(step.page).stem, f"step {index + 1} ({step.id})"
        banner = translate("tour.step", "en", n=index + 1, total=len(tour.STEPS))
        started = time.perf_counter()
        try:
            await self.page.goto(f"{self.url}/{page}?{urlencode(tour.link_params(index))}",
                                 wait_until="commit", timeout=limit * 1000)
            script_s, ready_s, snap = await self.settle(limit, expect=banner, started=started)
        except Exception as exc:  # noqa: BLE001  (one failed step is a problem, the tour goes on)
            self.person.problems.append(f"{what}: {type(exc).__name__}: {str(exc).splitlines()[0][:200]}")
            return
        self.check(what, snap)
        if ready_s is None:
            self.person.problems.append(f"{what}: not ready within {limit:.0f} s (script state {snap.get('script')})")
            return
        self.person.visits.append(Visit(step.id, page, script_s, ready_s))
        self.say(f"{what}: script {script_s:.1f} s, ready {ready_s:.1f} s")

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
            how, runs = "the Train button", self.finished_runs
            await self.click_train()
            clicked_at = seen["origin"] = time.perf_counter()
            seen["progress"] = None
            _, ready_s, snap = await self.settle(limit - (clicked_at - started), since_runs=runs,
                                                 started=clicked_at, watch=watch)
        self.check("training", snap)
        return {"trained": any("Trained" in s for s in snap.get("successes", [])), "how": how,
                "seconds": time.perf_counter() - started, "start_s": seen["progress"],
                "queued_message": seen["busy"], "finished": ready_s is not None,
                "message": (snap.get("successes") or snap.get("errors") or snap.get("warnings") or [""])[0]}

    async def wait_for(self, key: str, limit: float) -> bool:
        """Poll until the page's snapshot shows ``key`` (progress, busy) or ``limit`` runs out."""
        started = time.perf_counter()
        while time.perf_counter() - started < limit:
            if (await self.snapshot()).get(key):
                return True
            await asyncio.sleep(0.2)
        return False

    async def press_stop(self, limit: float) -> str:
        """Press the Train page's Stop button; say how long the page took to stop running."""
        started, runs = time.perf_counter(), self.finished_runs
        try:
            await self.page.locator(".st-key-train-stop button").first.click(timeout=10_000)
        except Exception as exc:  # noqa: BLE001
            return f"Stop could not be pressed ({type(exc).__name__})"
        _, ready_s, _ = await self.settle(limit, since_runs=runs, started=started)
        return f"still running {limit:.0f} s after Stop" if ready_s is None else f"stopped {ready_s:.1f} s after Stop"


def _outcome(snap: dict, finished: bool, limit: float) -> str:
    if not finished:
        return f"still running after {limit:.0f} s"
    kind = next((k for k in ("exceptions", "errors", "warnings", "infos") if snap.get(k)), None)
    return f"{kind[:-1]}: {snap[kind][0][:160]}" if kind else "no message"


def _failed(name: str, exc: BaseException) -> dict:
    return {"probe": name, "finished": False, "outcome": f"harness: {type(exc).__name__}: {str(exc)[:160]}"}


class Hostile:
    """The hostile visitor: every probe in its own tab of one browser context."""

    def __init__(self, context, server, limit: float, verbose: bool):
        self.context, self.server, self.url, self.limit, self.verbose = context, server, server.url, limit, verbose

    def rss_mb(self) -> float:
        return tree_rss_kb(self.server.pid) / 1024

    def probe(self, name: str, started: float, ready_s, snap: dict, **extra) -> dict:
        """A probe's result: what the page did within the limit and the server's peak meanwhile."""
        return {"probe": name, "seconds": time.perf_counter() - started, "finished": ready_s is not None,
                "outcome": _outcome(snap, ready_s is not None, self.limit), "exception": bool(snap.get("exceptions")),
                "messages": [m for k in ("errors", "warnings", "infos") for m in snap.get(k, [])][:3], **extra,
                "server_peak_mb": self.server.sampler.max_mb(started, time.perf_counter())}

    async def link(self, name: str, path: str) -> dict:
        """Open one hostile link in its own tab; report what the page did."""
        browser = await Browser.open(self.context, self.url, name, self.verbose)
        seen = {"progress": False, "evil": 0}

        def watch(snap: dict) -> None:
            seen["progress"] |= bool(snap.get("progress"))
            seen["evil"] = max(seen["evil"], snap.get("evil", 0))

        started, rss_before = time.perf_counter(), self.rss_mb()
        try:
            await browser.page.goto(self.url + path, wait_until="commit", timeout=self.limit * 1000)
            _, ready_s, snap = await browser.settle(self.limit, started=started, watch=watch)
        except Exception as exc:  # noqa: BLE001
            ready_s, snap = None, {"exceptions": [f"{type(exc).__name__}: {str(exc)[:120]}"]}
        result = self.probe(name, started, ready_s, snap, training_started=seen["progress"], injected_elements=seen[
            "evil"], server_rss_before_mb=rss_before)
        if not result["finished"] and seen["progress"]:
            result["stop"] = await browser.press_stop(limit=30.0)
        browser.say(f"{name}: {result['outcome']} (training started: {seen['progress']})")
        await browser.page.close()
        return result

    async def keystroke(self) -> dict:
        """Type 300000 into the Train page's Hidden units box (without pressing Train)."""
        from aecore_app.i18n import translate

        name = "300000 typed into Hidden units"
        browser = await Browser.open(self.context, self.url, "hostile keystroke", self.verbose)
        try:
            await browser.goto("/train", self.limit)
            box = browser.page.locator('[class*="st-key-train-hidden-"] input').first
            if not await box.is_visible():
                await browser.page.get_by_text(translate("train.settings", "en")).first.click()
            await box.fill("300000", timeout=30_000)
            runs, started, rss_before = browser.finished_runs, time.perf_counter(), self.rss_mb()
            await box.press("Enter")
            _, ready_s, snap = await browser.settle(self.limit, since_runs=runs, started=started)
            result = self.probe(name, started, ready_s, snap,
                                server_rss_before_mb=rss_before)
        except Exception as exc:  # noqa: BLE001
            result = _failed(name, exc)
        browser.say(f"{name}: {result['outcome']}")
        await browser.page.close()
        return result

    async def upload_tab(self, name: str) -> Browser:
        """A tab on the Train page with "Your own file" chosen."""
        from aecore_app.i18n import translate

        browser = await Browser.open(self.context, self.url, name, self.verbose)
        await browser.goto("/train", self.limit)
        runs = browser.finished_runs
        await browser.page.get_by_label(translate("ui.dataset", "en")).first.click()
        await browser.page.get_by_role("option", name=translate("ui.dataset_upload", "en")).first.click()
        await browser.settle(self.limit, since_runs=runs)
        return browser

    async def upload(self, browser: Browser, file_name: str, content: bytes, started: float | None = None):
        runs = browser.finished_runs
        await browser.page.locator(UPLOAD_INPUT).set_input_files(
            {"name": file_name, "mimeType": "application/octet-stream", "buffer": content})
        _, ready_s, snap = await browser.settle(self.limit, since_runs=runs, started=started)
        return ready_s, snap

    async def uploads(self) -> list[dict]:
        """Upload each bad file on the Train page ("Your own file"); a fresh tab after a hang."""
        results, browser = [], None
        for name, (file_name, content) in hostile_uploads().items():
            started = time.perf_counter()
            try:
                browser = browser or await self.upload_tab("hostile uploads")
                started = time.perf_counter()
                ready_s, snap = await self.upload(browser, file_name, content, started)
            except Exception as exc:  # noqa: BLE001
                ready_s, snap = None, {"exceptions": [f"harness: {type(exc).__name__}: {str(exc)[:120]}"]}
                started = time.perf_counter()
            results.append(self.probe(f"upload: {name}", started, ready_s, snap, bytes=len(content)))
            if browser is not None:
                browser.say(f"upload {name} ({len(content):,} bytes): {results[-1]['outcome']}")
                if not results[-1]["finished"]:
                    await browser.page.close()
                    browser = None
        if browser is not None:
            await browser.page.close()
        return results

    async def memory_tabs(self, tabs: int = 4) -> list[dict]:
        """Each large file uploaded from ``tabs`` tabs at once; what each tab was told and the
        server's memory at the peak and once the tabs are closed."""
        results = []
        for name, (file_name, content) in memory_uploads().items():
            started, rss_before, probe = time.perf_counter(), self.rss_mb(), f"{tabs} tabs upload {name}"
            try:
                browsers = await asyncio.gather(*[self.upload_tab(f"hostile {name} tab {i + 1}") for i in range(tabs)])
            except Exception as exc:  # noqa: BLE001
                results.append(_failed(probe, exc))
                continue
            outcomes = await asyncio.gather(*[self.upload(b, file_name, content) for b in browsers],
                                            return_exceptions=True)
            held_mb = self.rss_mb()
            for browser in browsers:
                await browser.page.close()
            said = [(_outcome(o[1], o[0] is not None, self.limit) if isinstance(o, tuple)
                     else f"harness: {type(o).__name__}") for o in outcomes]
            results.append({"probe": probe, "bytes": len(content), "seconds": time.perf_counter() - started,
                            "finished": all(isinstance(o, tuple) and o[0] is not None for o in outcomes),
                            "outcome": "; ".join(dict.fromkeys(said)),
                            "exception": any(isinstance(o, tuple) and o[1].get("exceptions") for o in outcomes),
                            "server_rss_before_mb": rss_before, "server_held_mb": held_mb,
                            "server_peak_mb": self.server.sampler.max_mb(started, time.perf_counter())})
        return results

    async def reload_race(self, seed: int) -> dict:
        """Issue 29, case 3: tabs A and B start long trainings; tab C presses Train on a short one,
        reloads, presses Train, reloads. A third job would show as C's model trained while A and B
        run (and in the pool's log). A and B are then stopped."""
        link = "/train?data=mnist_sample&preset=recommended&es=0"
        started, tabs = time.perf_counter(), {}
        try:
            for name, epochs, offset in (("A", 4000, 0), ("B", 4000, 1)):
                tab = tabs[name] = await Browser.open(self.context, self.url, f"race {name}", self.verbose)
                await tab.goto(f"{link}&epochs={epochs}&seed={seed + offset}", self.limit)
                await tab.click_train()
                if not await tab.wait_for("progress", self.limit):
                    raise RuntimeError(f"tab {name}'s training never showed progress")
            c = tabs["C"] = await Browser.open(self.context, self.url, "race C", self.verbose)
            await c.goto(f"{link}&epochs=2&seed={seed + 2}", self.limit)
            await c.click_train()
            queued = await c.wait_for("busy", 30)
            for again in (True, False):  # reload, press Train once more; reload
                await c.page.reload(wait_until="commit")
                await c.settle(self.limit)
                if again:
                    await c.click_train()
                    await c.wait_for("busy", 30)
            # As the tester did: no third press. Does C's page come to show a trained model
            # (its queued jobs from before the reloads ran) while A and B still train?
            third, watched = False, time.perf_counter()
            while time.perf_counter() - watched < 40 and not third:
                await c.page.reload(wait_until="commit")
                await c.settle(self.limit)
                third = "Trained" in await c.page.locator('[data-testid="stMain"]').inner_text()
            still = all([bool((await tabs[name].snapshot()).get("progress")) for name in ("A", "B")])
            result = {"probe": "reload race (A, B train 4000 epochs; C reloads)", "finished": True,
                      "queued_first": queued, "third_job_trained": third and still,
                      "outcome": ("C trained while A and B ran: a third job" if third and still
                                  else "C waited in the queue while A and B trained")}
            for name in ("A", "B"):
                result[f"stop {name}"] = await tabs[name].press_stop(limit=60.0)
        except Exception as exc:  # noqa: BLE001
            result = _failed("reload race", exc)
        finally:
            for tab in tabs.values():
                await tab.page.close()
        return {**result, "seconds": time.perf_counter() - started,
                "server_peak_mb": self.server.sampler.max_mb(started, time.perf_counter())}

    async def canvas(self) -> dict:
        """Issue 29, case 2: one stroke on the "Your own digit" canvas while its image is replaced by a
        valid 9,400 x 9,400 RGBA PNG (about 350 KB) as a data URL."""
        import base64

        name = "forged 9400x9400 canvas image"
        browser = await Browser.open(self.context, self.url, "hostile canvas", self.verbose)
        started, rss_before = time.perf_counter(), self.rss_mb()
        try:
            await browser.page.add_init_script(FORGE_JS)
            await browser.goto("/digit", self.limit)
            forged = "data:image/png;base64," + base64.b64encode(png(9_400, 9_400, "RGBA", (255,) * 4)).decode()
            await browser.page.evaluate("(png) => { window.__forged = png; }", forged)
            box = await browser.page.locator("canvas.upper-canvas").first.bounding_box(timeout=30_000)
            runs, mouse = browser.finished_runs, browser.page.mouse
            x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 4
            await mouse.move(x, y)
            await mouse.down()
            for step in range(1, 11):
                await mouse.move(x, y + step * box["height"] / 20)
            await mouse.up()
            _, ready_s, snap = await browser.settle(self.limit, since_runs=runs)
        except Exception as exc:  # noqa: BLE001
            ready_s, snap = None, {"exceptions": [f"harness: {type(exc).__name__}: {str(exc)[:160]}"]}
        result = self.probe(name, started, ready_s, snap, server_rss_before_mb=rss_before)
        browser.say(f"{name}: {result['outcome']}")
        await browser.page.close()
        return result


async def hostile_session(browser_app, server, uploads: bool, limit: float, verbose: bool,
                          viewport: dict, race_seed: int | None = None) -> list[dict]:
    """Every probe (``uploads``: also the bad files and issue 29's cases), links at once, the rest in turn."""
    context = await browser_app.new_context(viewport=viewport)
    hostile = Hostile(context, server, limit, verbose)
    try:
        results = list(await asyncio.gather(*[hostile.link(name, path) for name, path in HOSTILE_LINKS.items()]))
        results.append(await hostile.keystroke())
        if uploads:
            results += await hostile.uploads()
            results += await hostile.memory_tabs()
            results.append(await hostile.canvas())
            if race_seed is not None:
                results.append(await hostile.reload_race(race_seed))
    finally:
        await context.close()
    return results
