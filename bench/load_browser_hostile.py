"""The hostile visitor of the multi-user browser load test (bench/load_browser.py): the issue's
links, 300000 typed into the Hidden units box and the bad files it uploads, each probe in its own
tab, reported as what the page did (a message, a hang, a training that started, an injected link)
with the server's peak memory meanwhile."""

from __future__ import annotations

import asyncio
import io
import struct
import time
import zipfile
import zlib
from urllib.parse import quote

from bench.load_browser_person import Browser, Person
from bench.load_browser_server import Server, tree_rss_kb

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
    """The bad files (name -> (file name, content)): a few of tests/test_bad_inputs.py's, the
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
    result = {"probe": name, "seconds": time.perf_counter() - started, "finished": ready_s is not None,
              "outcome": _outcome(snap, ready_s is not None, limit), "training_started": seen["progress"],
              "exception": bool(snap.get("exceptions")), "injected_elements": seen["evil"],
              "messages": [m for k in ("errors", "warnings", "infos") for m in snap.get(k, [])][:3],
              "server_rss_before_mb": rss_before,
              "server_peak_mb": server.sampler.max_mb(started, time.perf_counter())}
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
    from app_ui.i18n import translate

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
        return {"probe": name, "finished": False, "outcome": f"harness: {type(exc).__name__}: {str(exc)[:160]}"}
    result = {"probe": name, "seconds": time.perf_counter() - started, "finished": ready_s is not None,
              "outcome": _outcome(snap, ready_s is not None, limit), "exception": bool(snap.get("exceptions")),
              "messages": [m for k in ("errors", "warnings", "infos") for m in snap.get(k, [])][:3],
              "server_rss_before_mb": rss_before,
              "server_peak_mb": server.sampler.max_mb(started, time.perf_counter())}
    browser.say(f"{name}: {result['outcome']}, {result['seconds']:.1f} s")
    await browser.page.close()
    return result


async def hostile_upload_all(context, url: str, limit: float, server: "Server", verbose: bool) -> list[dict]:
    """Upload each bad file on the Train page ("Your own file"); a fresh tab after a hang."""
    from app_ui.i18n import translate

    results, browser = [], None
    for name, (file_name, content) in hostile_uploads().items():
        try:
            if browser is None:
                browser = await Browser.open(context, url, Person("hostile uploads", "hostile"), verbose)
                await browser.page.goto(f"{url}/train", wait_until="commit", timeout=limit * 1000)
                await browser.settle(limit)
                runs = await browser.runs()
                await browser.page.get_by_label(translate("ui.dataset", "en")).first.click()
                await browser.page.get_by_role("option", name=translate("ui.dataset_upload", "en")).first.click()
                await browser.settle(limit, since_runs=runs)
            runs = await browser.runs()
            started = time.perf_counter()
            await browser.page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
                {"name": file_name, "mimeType": "application/octet-stream", "buffer": content})
            _, ready_s, snap = await browser.settle(limit, since_runs=runs, started=started)
        except Exception as exc:  # noqa: BLE001
            ready_s, snap = None, {"exceptions": [f"harness: {type(exc).__name__}: {str(exc)[:120]}"]}
            started = time.perf_counter()
        result = {"probe": f"upload: {name}", "bytes": len(content), "seconds": time.perf_counter() - started,
                  "finished": ready_s is not None, "outcome": _outcome(snap, ready_s is not None, limit),
                  "exception": bool(snap.get("exceptions")),
                  "server_peak_mb": server.sampler.max_mb(started, time.perf_counter())}
        results.append(result)
        if browser is not None:
            browser.say(f"upload {name} ({len(content):,} bytes): {result['outcome']}, {result['seconds']:.1f} s")
            if not result["finished"]:
                await browser.page.close()
                browser = None
    if browser is not None:
        await browser.page.close()
    return results



async def hostile_session(browser_app, server: Server, uploads: bool, limit: float, verbose: bool,
                          viewport: dict) -> list[dict]:
    context = await browser_app.new_context(viewport=viewport)
    try:
        links = [hostile_link(context, server.url, name, path, limit, server, verbose)
                 for name, path in HOSTILE_LINKS.items()]
        results = list(await asyncio.gather(*links))
        results.append(await hostile_keystroke(context, server.url, limit, server, verbose))
        if uploads:
            results += await hostile_upload_all(context, server.url, limit, server, verbose)
    finally:
        await context.close()
    return results
