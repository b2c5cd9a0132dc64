"""The hostile visitor of the multi-user browser load test (bench/load_browser.py): the issue's
links, 300000 typed into the Hidden units box and the bad files it uploads, each probe in its own
tab, reported as what the page did (a message, a hang, a training that started, an injected link)
with the server's peak memory meanwhile. With uploads on (``--hostile all``) it also plays issue
29's cases 1-3: large files that pass every check uploaded from several tabs at once, a forged
9,400 x 9,400 canvas image, and two long trainings with a third tab reloading around its queue."""

from __future__ import annotations

import asyncio
import io
import struct
import time
import zipfile
import zlib
from urllib.parse import quote

from bench.load_browser_person import Browser, Person
from bench.load_browser_server import Server
from bench.harness.memory import tree_rss_kb

#: 4096x4096 is the image reader's pixel cap per image: each of these PNGs is a few hundred bytes
#: zipped and takes ~0.2 s of a core to decode (issue 14, case 8; it used 3,200 of them).
PIXEL_CAP_PNGS = 400
DEEP = ",".join(["4096"] * 8)
HOSTILE_LINKS = {
    "huge training link": f"/train?data=digits&preset=recommended&hidden={DEEP}&k=32&batch=1&epochs=1000&es=0",
    "raw-pixel mixture link": "/clusters?data=mnist_sample&preset=recommended&space=raw&method=gmm"
                              "&clusters=50&n_init=50",
    "Markdown in a link value": "/latent?view=" + quote(
        "[Verify your account](https://evil.example/login) ![](https://evil.example/px.png)", safe=""),
    "unicode digit ?tour=²": "/?tour=" + quote("²", safe=""),
}


def _zip(files: dict) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _png(width: int, height: int) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("L", (width, height), 0).save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def _png_declaring(width: int, height: int) -> bytes:
    """A decompression bomb's header (tests/builders.py): width x height pixels in a few hundred bytes."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(bytes(4096))) + chunk(b"IEND", b""))


def _npy(array, compressed_npz: bool = False) -> bytes:
    import numpy as np

    buffer = io.BytesIO()
    if compressed_npz:
        np.savez_compressed(buffer, X=array)
    else:
        np.save(buffer, array, allow_pickle=True)
    return buffer.getvalue()


def hostile_uploads() -> dict[str, tuple[str, bytes]]:
    """The bad files (name -> (file name, content)): a few of tests/app/test_train_page_bad_inputs.py's, the
    smallest and the most expensive, and the issue's case 8 files."""
    import numpy as np

    cap = _png(4096, 4096)
    return {
        "binary file renamed .csv": ("photo.csv", _png(10, 12)),
        "pickled objects .npy": ("objects.npy", _npy(np.array([{"a": 1}] * 20, dtype=object))),
        "1,000,000-row CSV": ("rows.csv", b"a,b\n" + b"1,2\n" * 1_000_000),
        "decompression bomb ZIP": ("bomb.zip", _zip({f"{i}.png": _png_declaring(30_000, 30_000)
                                                      for i in range(12)})),
        "path traversal ZIP": ("evil.zip", _zip({"../evil.png": _png(10, 12),
                                                **{f"{i}.png": _png(10, 12) for i in range(12)}})),
        "CSV with +-1e308": ("huge.csv", ("a,b,c\n" + "\n".join(
            f"{1e308 if i % 2 else -1e308},{i},{i * 2}" for i in range(40)) + "\n").encode()),
        "20000x4900 .npz (uint8 zeros)": ("wide.npz", _npy(np.zeros((20_000, 4_900), np.uint8), True)),
        f"{PIXEL_CAP_PNGS} pixel-cap PNGs in a ZIP": (
            "many.zip", _zip({f"{i}.png": cap for i in range(PIXEL_CAP_PNGS)})),
    }


def _outcome(snap: dict, finished: bool, limit: float) -> str:
    if not finished:
        return f"still running after {limit:.0f} s"
    for kind in ("exceptions", "errors", "warnings", "infos"):
        if snap.get(kind):
            return f"{kind[:-1]}: {snap[kind][0][:160]}"
    return "no message"


def _probe(name: str, started: float, ready_s, snap: dict, limit: float, server: "Server", **extra) -> dict:
    """A probe's result: what the page did within ``limit`` and the server's peak meanwhile."""
    return {"probe": name, "seconds": time.perf_counter() - started, "finished": ready_s is not None,
            "outcome": _outcome(snap, ready_s is not None, limit), "exception": bool(snap.get("exceptions")),
            **extra, "server_peak_mb": server.sampler.max_mb(started, time.perf_counter())}


def _messages(snap: dict) -> list[str]:
    return [m for k in ("errors", "warnings", "infos") for m in snap.get(k, [])][:3]


def _harness(name: str, exc: BaseException) -> dict:
    return {"probe": name, "finished": False, "outcome": f"harness: {type(exc).__name__}: {str(exc)[:160]}"}


async def hostile_link(context, url: str, name: str, path: str, limit: float, server: "Server",
                       verbose: bool) -> dict:
    """Open one hostile link in its own tab; report what the page did within ``limit``."""
    browser = await Browser.open(context, url, Person(name, "hostile"), verbose)
    seen = {"progress": False, "evil": 0}

    def watch(snap: dict) -> None:
        seen["progress"] |= bool(snap.get("progress"))
        seen["evil"] = max(seen["evil"], snap.get("evil", 0))

    started = time.perf_counter()
    rss_before = tree_rss_kb(server.pid) / 1024
    try:
        await browser.page.goto(url + path, wait_until="commit", timeout=limit * 1000)
        _, ready_s, snap = await browser.settle(limit, started=started, watch=watch)
    except Exception as exc:  # noqa: BLE001
        ready_s, snap = None, {"exceptions": [f"{type(exc).__name__}: {str(exc)[:120]}"]}
    result = _probe(name, started, ready_s, snap, limit, server, training_started=seen["progress"],
                    injected_elements=seen["evil"], messages=_messages(snap), server_rss_before_mb=rss_before)
    if not result["finished"] and seen["progress"]:
        result["stop"] = await press_stop(browser, limit=30.0)
    browser.say(f"{name}: {result['outcome']} (training started: {seen['progress']})")
    await browser.page.close()
    return result


async def press_stop(browser: Browser, limit: float) -> str:
    """Press the Train page's Stop button; say how long the page took to stop running."""
    started = time.perf_counter()
    runs = await browser.runs()
    try:
        await browser.page.locator(".st-key-train-stop button").first.click(timeout=10_000)
    except Exception as exc:  # noqa: BLE001
        return f"Stop could not be pressed ({type(exc).__name__})"
    _, ready_s, _ = await browser.settle(limit, since_runs=runs, started=started)
    return (f"stopped {ready_s:.1f} s after Stop" if ready_s is not None
            else f"still running {limit:.0f} s after Stop")


async def hostile_keystroke(context, url: str, limit: float, server: "Server", verbose: bool) -> dict:
    """Type 300000 into the Train page's Hidden units box (without pressing Train)."""
    from aecore_app.i18n import translate

    browser = await Browser.open(context, url, Person("hostile keystroke", "hostile"), verbose)
    name = "300000 typed into Hidden units"
    try:
        await browser.page.goto(f"{url}/train", wait_until="commit", timeout=limit * 1000)
        await browser.settle(limit)
        box = browser.page.locator('[class*="st-key-train-hidden-"] input').first
        if not await box.is_visible():
            await browser.page.get_by_text(translate("train.settings", "en")).first.click()
        await box.fill("300000", timeout=30_000)
        runs = await browser.runs()
        started = time.perf_counter()
        rss_before = tree_rss_kb(server.pid) / 1024
        await box.press("Enter")
        _, ready_s, snap = await browser.settle(limit, since_runs=runs, started=started)
    except Exception as exc:  # noqa: BLE001
        await browser.page.close()
        return _harness(name, exc)
    result = _probe(name, started, ready_s, snap, limit, server, messages=_messages(snap),
                    server_rss_before_mb=rss_before)
    browser.say(f"{name}: {result['outcome']}, {result['seconds']:.1f} s")
    await browser.page.close()
    return result


async def hostile_upload_all(context, url: str, limit: float, server: "Server", verbose: bool) -> list[dict]:
    """Upload each bad file on the Train page ("Your own file"); a fresh tab after a hang."""
    results, browser = [], None
    for name, (file_name, content) in hostile_uploads().items():
        try:
            if browser is None:
                browser = await _upload_tab(context, url, "hostile uploads", limit, verbose)
            runs = await browser.runs()
            started = time.perf_counter()
            await browser.page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
                {"name": file_name, "mimeType": "application/octet-stream", "buffer": content})
            _, ready_s, snap = await browser.settle(limit, since_runs=runs, started=started)
        except Exception as exc:  # noqa: BLE001
            ready_s, snap = None, {"exceptions": [f"harness: {type(exc).__name__}: {str(exc)[:120]}"]}
            started = time.perf_counter()
        result = _probe(f"upload: {name}", started, ready_s, snap, limit, server, bytes=len(content))
        results.append(result)
        if browser is not None:
            browser.say(f"upload {name} ({len(content):,} bytes): {result['outcome']}, {result['seconds']:.1f} s")
            if not result["finished"]:
                await browser.page.close()
                browser = None
    if browser is not None:
        await browser.page.close()
    return results


def memory_uploads() -> dict[str, tuple[str, bytes]]:
    """Issue 29, case 1: files that pass every check and are large once parsed. The .npz is 0.4 MB
    compressed and 200 MB as int32; the CSV is 48 MB of zeros and ones."""
    import numpy as np

    wide = np.tile((np.arange(5_000) % 2).astype(np.int32), (10_000, 1))
    line = ",".join("01"[i % 2] for i in range(4_900)).encode() + b"\n"
    return {"10000x5000 int32 .npz": ("wide_int32.npz", _npy(wide, True)),
            "4900x4900 CSV of 0/1": ("zeros_ones.csv",
                                    ",".join(f"c{i}" for i in range(4_900)).encode() + b"\n" + line * 4_900)}


async def _upload_tab(context, url: str, name: str, limit: float, verbose: bool) -> Browser:
    """A tab on the Train page with "Your own file" chosen."""
    from aecore_app.i18n import translate

    browser = await Browser.open(context, url, Person(name, "hostile"), verbose)
    await browser.page.goto(f"{url}/train", wait_until="commit", timeout=limit * 1000)
    await browser.settle(limit)
    runs = await browser.runs()
    await browser.page.get_by_label(translate("ui.dataset", "en")).first.click()
    await browser.page.get_by_role("option", name=translate("ui.dataset_upload", "en")).first.click()
    await browser.settle(limit, since_runs=runs)
    return browser


async def hostile_memory_tabs(context, url: str, limit: float, server: "Server", verbose: bool,
                              tabs: int = 4) -> list[dict]:
    """Each large file uploaded from ``tabs`` tabs at once; what each tab was told and the
    server's memory at the peak and once the tabs are closed."""
    results = []
    for name, (file_name, content) in memory_uploads().items():
        started = time.perf_counter()
        rss_before = tree_rss_kb(server.pid) / 1024
        try:
            browsers = await asyncio.gather(*[_upload_tab(context, url, f"hostile {name} tab {i + 1}", limit, verbose)
                                              for i in range(tabs)])
        except Exception as exc:  # noqa: BLE001
            results.append(_harness(f"{tabs} tabs upload {name}", exc))
            continue

        async def upload(browser: Browser) -> tuple:
            runs = await browser.runs()
            await browser.page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
                {"name": file_name, "mimeType": "application/octet-stream", "buffer": content})
            _, ready_s, snap = await browser.settle(limit, since_runs=runs)
            return ready_s, snap

        outcomes = await asyncio.gather(*[upload(b) for b in browsers], return_exceptions=True)
        held_mb = tree_rss_kb(server.pid) / 1024
        for browser in browsers:
            await browser.page.close()
        said = [(_outcome(o[1], o[0] is not None, limit) if isinstance(o, tuple)
                 else f"harness: {type(o).__name__}") for o in outcomes]
        results.append({"probe": f"{tabs} tabs upload {name}", "bytes": len(content),
                        "seconds": time.perf_counter() - started,
                        "finished": all(isinstance(o, tuple) and o[0] is not None for o in outcomes),
                        "outcome": "; ".join(dict.fromkeys(said)),
                        "exception": any(isinstance(o, tuple) and o[1].get("exceptions") for o in outcomes),
                        "server_rss_before_mb": rss_before, "server_held_mb": held_mb,
                        "server_peak_mb": server.sampler.max_mb(started, time.perf_counter())})
    return results


async def _wait_for(browser: Browser, key: str, limit: float) -> bool:
    """Poll the page until its snapshot shows ``key`` (progress, busy) or ``limit`` runs out."""
    started = time.perf_counter()
    while time.perf_counter() - started < limit:
        if (await browser.snapshot()).get(key):
            return True
        await asyncio.sleep(0.2)
    return False


async def hostile_reload_race(context, url: str, limit: float, server: "Server", verbose: bool,
                              seed: int) -> dict:
    """Issue 29, case 3: tabs A and B start long trainings; tab C presses Train on a short one,
    reloads, presses Train, reloads. A third job would show as C's model trained while A and B run
    (and in the pool's log). A and B are then stopped."""
    link = "/train?data=mnist_sample&preset=recommended&es=0"
    started = time.perf_counter()
    tabs = {}
    try:
        for name, epochs, offset in (("A", 4000, 0), ("B", 4000, 1)):
            tab = tabs[name] = await Browser.open(context, url, Person(f"race {name}", "hostile"), verbose)
            await tab.page.goto(f"{url}{link}&epochs={epochs}&seed={seed + offset}", wait_until="commit",
                                timeout=limit * 1000)
            await tab.settle(limit)
            await tab.click_train()
            if not await _wait_for(tab, "progress", limit):
                raise RuntimeError(f"tab {name}'s training never showed progress")
        c = tabs["C"] = await Browser.open(context, url, Person("race C", "hostile"), verbose)
        await c.page.goto(f"{url}{link}&epochs=2&seed={seed + 2}", wait_until="commit", timeout=limit * 1000)
        await c.settle(limit)
        await c.click_train()
        queued = await _wait_for(c, "busy", 30)
        await c.page.reload(wait_until="commit")
        await c.settle(limit)
        await c.click_train()
        await _wait_for(c, "busy", 30)
        await c.page.reload(wait_until="commit")
        await c.settle(limit)
        # As the tester did: no third press. Does C's page come to show a trained model
        # (its queued jobs from before the reloads ran) while A and B still train?
        third, watched = False, time.perf_counter()
        while time.perf_counter() - watched < 40 and not third:
            await c.page.reload(wait_until="commit")
            await c.settle(limit)
            third = "Trained" in await c.page.locator('[data-testid="stMain"]').inner_text()
        still = {name: bool((await tabs[name].snapshot()).get("progress")) for name in ("A", "B")}
        result = {"probe": "reload race (A, B train 4000 epochs; C reloads)", "finished": True,
                  "queued_first": queued, "third_job_trained": third and all(still.values()),
                  "outcome": ("C trained while A and B ran: a third job" if third and all(still.values())
                              else "C waited in the queue while A and B trained")}
        for name in ("A", "B"):
            result[f"stop {name}"] = await press_stop(tabs[name], limit=60.0)
    except Exception as exc:  # noqa: BLE001
        result = _harness("reload race", exc)
    finally:
        for tab in tabs.values():
            await tab.page.close()
    result["seconds"] = time.perf_counter() - started
    result["server_peak_mb"] = server.sampler.max_mb(started, time.perf_counter())
    return result


#: Installed in the hostile canvas tab before any script: every canvas's toDataURL returns the
#: forged PNG once ``window.__forged`` is set, as a visitor could do from the browser's console.
FORGE_JS = """(() => {
  const real = HTMLCanvasElement.prototype.toDataURL;
  HTMLCanvasElement.prototype.toDataURL = function (...args) {
    return window.__forged || real.apply(this, args);
  };
})();"""


def forged_canvas_png() -> str:
    """Issue 29, case 2: a valid 9,400 x 9,400 RGBA PNG (about 350 KB) as a data URL."""
    import base64

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGBA", (9_400, 9_400), (255, 255, 255, 255)).save(buffer, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


async def hostile_canvas(context, url: str, limit: float, server: "Server", verbose: bool) -> dict:
    """Draw one stroke on the "Your own digit" canvas while its image is replaced by the forged PNG."""
    name = "forged 9400x9400 canvas image"
    browser = await Browser.open(context, url, Person("hostile canvas", "hostile"), verbose)
    started = time.perf_counter()
    rss_before = tree_rss_kb(server.pid) / 1024
    try:
        await browser.page.add_init_script(FORGE_JS)
        await browser.page.goto(f"{url}/digit", wait_until="commit", timeout=limit * 1000)
        await browser.settle(limit)
        await browser.page.evaluate("(png) => { window.__forged = png; }", forged_canvas_png())
        canvas = browser.page.locator("canvas.upper-canvas").first
        box = await canvas.bounding_box(timeout=30_000)
        runs = await browser.runs()
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 4
        await browser.page.mouse.move(x, y)
        await browser.page.mouse.down()
        for step in range(1, 11):
            await browser.page.mouse.move(x, y + step * box["height"] / 20)
        await browser.page.mouse.up()
        _, ready_s, snap = await browser.settle(limit, since_runs=runs)
    except Exception as exc:  # noqa: BLE001
        ready_s, snap = None, {"exceptions": [f"harness: {type(exc).__name__}: {str(exc)[:160]}"]}
    result = _probe(name, started, ready_s, snap, limit, server, server_rss_before_mb=rss_before)
    browser.say(f"{name}: {result['outcome']}")
    await browser.page.close()
    return result


async def hostile_session(browser_app, server: Server, uploads: bool, limit: float, verbose: bool,
                          viewport: dict, race_seed: int | None = None) -> list[dict]:
    context = await browser_app.new_context(viewport=viewport)
    try:
        links = [hostile_link(context, server.url, name, path, limit, server, verbose)
                 for name, path in HOSTILE_LINKS.items()]
        results = list(await asyncio.gather(*links))
        results.append(await hostile_keystroke(context, server.url, limit, server, verbose))
        if uploads:
            results += await hostile_upload_all(context, server.url, limit, server, verbose)
            results += await hostile_memory_tabs(context, server.url, limit, server, verbose)
            results.append(await hostile_canvas(context, server.url, limit, server, verbose))
            if race_seed is not None:
                results.append(await hostile_reload_race(context, server.url, limit, server, verbose, race_seed))
    finally:
        await context.close()
    return results
