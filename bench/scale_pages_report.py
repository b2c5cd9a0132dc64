"""The report of bench/scale_pages.py: growth exponents, its BENCHMARKS.md section and a terminal
table; and what the pages said while they ran (:class:`Said`: the durations they stated, the seconds
they held a job slot), to set each stated estimate against the measured seconds."""

from __future__ import annotations

import re
import time

from bench.harness.data import exponent
from bench.harness.report import stamp_line

#: Issue 18's targets.
TARGET_ROWS, TARGET_FIRST_S, TARGET_RERUN_S, TARGET_PEAK_MB = 60_000, 10.0, 1.0, 2_500.0
EPOCHS = 2  # of the two models trained before the pages run
TEXT_CHARS = 300  # of a message kept in the results

#: A duration as the English locale writes one: "12 s", "1.5 min", "10 seconds".
_DURATION = re.compile(r"(\d[\d,]*(?:\.\d+)?)\s*(s|secs?|seconds?|min|minutes?|h|hours?)\b")
_UNITS = {"s": 1, "sec": 1, "secs": 1, "second": 1, "seconds": 1, "min": 60, "minute": 60, "minutes": 60,
          "h": 3600, "hour": 3600, "hours": 3600}
#: Words that make a duration a promise about work to come, not a measurement ("Ran in 3 s").
_ESTIMATE_WORDS = ("about", "roughly", "at most", "estimat", "would take", "should take")


def mentions_time(text: str) -> bool:
    """Whether ``text`` mentions a duration ("about 12 s", "half a minute", "a few seconds")."""
    return bool(_DURATION.search(text) or re.search(r"\b(second|minute|hour)s?\b", text, re.IGNORECASE))


def stated_seconds(text: str) -> float | None:
    """The seconds an estimate in ``text`` states (the largest duration it names), else None."""
    lower = text.lower()
    if not any(word in lower for word in _ESTIMATE_WORDS):
        return None
    found = [float(n.replace(",", "")) * _UNITS[unit.lower()] for n, unit in _DURATION.findall(text)]
    if "half a minute" in lower:
        found.append(30.0)
    return max(found) if found else None


def texts(elements) -> list[str]:
    return [str(e.value)[:TEXT_CHARS] for e in elements]


class Said:
    """What the pages said while a step ran, read by ``bench.scale_pages._timed``: every ``caption``, ``info``
    and ``spinner`` text (placeholders an estimate is shown in and emptied once the work is done
    included), and the seconds the step held one of the server's job slots."""

    def __init__(self) -> None:
        from contextlib import contextmanager

        import streamlit
        from streamlit.delta_generator import DeltaGenerator

        from aecore_app.slots import SlotPool

        self.calls, self.slot_s, self.started = [], 0.0, time.perf_counter()
        said = self
        for kind in ("caption", "info", "spinner"):
            def wrap(call, first, kind=kind):
                def recorded(*args, **kwargs):
                    text = kwargs.get("body", kwargs.get("text", args[first] if len(args) > first else ""))
                    said.calls.append((kind, str(text)[:TEXT_CHARS], time.perf_counter() - said.started))
                    return call(*args, **kwargs)
                return recorded
            # st.caption is a method bound at import; note.caption (a placeholder's) is the class's.
            setattr(streamlit, kind, wrap(getattr(streamlit, kind), 0))
            setattr(DeltaGenerator, kind, wrap(getattr(DeltaGenerator, kind), 1))
        slot = SlotPool.slot

        @contextmanager
        def held(pool, *args, **kwargs):
            with slot(pool, *args, **kwargs):
                started = time.perf_counter()
                try:
                    yield
                finally:
                    said.slot_s += time.perf_counter() - started

        SlotPool.slot = held

    def take(self, at=None) -> dict:
        """The slot seconds and the texts that mention a duration since the last call (the
        page's final captions and infos too, for any the wrappers missed)."""
        out = [{"kind": kind, "text": text, "at_s": round(at_s, 2)} for kind, text, at_s in self.calls]
        final = ([("caption", e) for e in texts(at.caption)] + [("info", e) for e in texts(at.info)]
                 if at is not None else [])
        out += [{"kind": kind + " (final)", "text": text} for kind, text in final
                if text not in {o["text"] for o in out}]
        out = [dict(o, seconds=stated_seconds(o["text"])) for o in out if mentions_time(o["text"])]
        slot_s, self.calls, self.slot_s, self.started = self.slot_s, [], 0.0, time.perf_counter()
        return {"estimates": out, "slot_s": round(slot_s, 3)}


#: Estimates are shown rounded to whole seconds ("about 0 s"): a step is over its estimate when it
#: ran longer than the estimate plus this.
ROUNDING_S = 0.5


def over_estimate(step: dict) -> bool:
    """Whether a step ran (wall seconds) longer than the estimates it stated add up to."""
    stated = stated_total(step)
    return stated is not None and step["wall"] > stated + ROUNDING_S


def stated_total(step: dict) -> float | None:
    """The seconds a step's stated estimates add up to (None: it stated none)."""
    found = [e["seconds"] for e in step.get("estimates", []) if e.get("seconds") is not None]
    return sum(found) if found else None


def _side(result: dict) -> str:
    side = result.get("image_side") or 28
    return f"{side}×{side}"


def exponents(results: list[dict]) -> dict:
    """Per page: the growth exponent of first-render and rerun seconds over the sizes it ran at."""

    pages = list(dict.fromkeys(name for r in results for name in r.get("pages", {})))
    out = {}
    for name in pages:
        out[name] = {}
        for step in ("first", "rerun"):
            points = [(r["rows"], r["pages"][name][step]["wall"]) for r in results
                      if name in r.get("pages", {}) and not r["pages"][name][step].get("failed")]
            if len(points) >= 2:
                out[name][step] = exponent([p[0] for p in points], [p[1] for p in points])
    return out


def problems_of(step: dict) -> list[str]:
    return ([f"failed: {step['failed']}"] if step.get("failed") else []) + \
        [f"exception: {e}" for e in step.get("exceptions", [])] + [f"error: {e}" for e in step.get("errors", [])]


def _mark(value: float, target: float) -> str:
    return "✓" if value <= target else "✗"


def _seconds(result: dict, name: str, step: str) -> str:
    """A page step's wall seconds, with the target's mark at the target size."""
    found = result.get("pages", {}).get(name, {}).get(step)
    if found is None:
        return "—"
    if found.get("failed"):
        return "failed"
    text = f"{found['wall']:.2f}"
    if result["rows"] == TARGET_ROWS:
        text += " " + _mark(found["wall"], TARGET_FIRST_S if step == "first" else TARGET_RERUN_S)
    return text


def _clean(text: str) -> str:
    return " ".join(str(text).replace("|", "/").split())


def markdown(report: dict) -> str:
    """The BENCHMARKS.md section of a run."""
    m, results = report["machine"], report["results"]
    sizes = [r["rows"] for r in results]
    pages = list(dict.fromkeys(name for r in results for name in r.get("pages", {})))
    lines = [
        "<!-- bench/scale_pages.py: begin -->",
        f"## Every page at up to {max(sizes, default=TARGET_ROWS):,} rows (issue 18)", "",
        stamp_line(report, load=True, stack=f"Python {m.get('python')}, TensorFlow {m.get('tensorflow')}"), "",
        "Synthetic MNIST-shaped rows (`bench.harness.data.synthetic_mnist`) uploaded as an `.npz` of 28×28 uint8 images "
        "(14×14, each 2×2 mean-pooled, at sizes whose 28×28 rows would exceed the upload budget's "
        "`max_array_values`) with labels through the Train page's file uploader, in AppTest; two models (the "
        "recommended preset, "
        f"dense 512-256-10, {EPOCHS} epochs, seeds 0 and 1, on the app's training split) trained outside the timings, "
        "stored in the session's model store and the first made the current model, as the Train page does. "
        "One fresh process and one session per size; the pages in app.py's order, so a page may reuse what an "
        "earlier one cached (codes, maps), as for a person going through them. First render: "
        "`at.switch_page(page).run()` wall seconds; rerun: `at.run()` again with nothing changed. "
        f"Targets (issue 18) at {TARGET_ROWS:,} rows: first render ≤ {TARGET_FIRST_S:g} s, rerun ≤ "
        f"{TARGET_RERUN_S:g} s, peak memory ≤ {TARGET_PEAK_MB / 1000:g} GB (✓ / ✗).", "",
        "| page | " + " | ".join(f"{r['rows']:,} rows ({_side(r)}): first s | rerun s" for r in results)
        + (" | growth exponent: first / rerun" if len(sizes) >= 2 else "") + " |",
        "|---" * (1 + 2 * len(sizes) + (len(sizes) >= 2)) + "|"]
    growth = report.get("exponents", {})
    for name in pages:
        cells = [f"{_seconds(r, name, 'first')} | {_seconds(r, name, 'rerun')}" for r in results]
        row = f"| {name} | " + " | ".join(cells)
        if len(sizes) >= 2:
            e = growth.get(name, {})
            row += " | " + " / ".join(f"{e[s]:.2f}" if s in e else "—" for s in ("first", "rerun"))
        lines.append(row + " |")
    problems = [(r["rows"], name, step, p) for r in results for name, steps in r.get("pages", {}).items()
                for step, found in steps.items() for p in problems_of(found)]
    problems += [(r["rows"], "(setup)", "", r["failed"]) for r in results if r.get("failed")]
    problems += [(r["rows"], "(setup)", "", note) for r in results for note in r.get("notes", [])]
    if problems:
        lines += ["", "What went wrong:", ""]
        lines += [f"- {n:,} rows, {name}{f' ({step})' if step else ''}: {_clean(p)}" for n, name, step, p in problems]
    else:
        lines += ["", "No page raised an exception or showed `st.error` at any size."]
    stated = [(r, name, step, found) for r in results for name, steps in r.get("pages", {}).items()
              for step, found in steps.items() if stated_total(found) is not None]
    if stated:
        lines += ["", "Stated estimates (texts of `st.caption`, `st.info` and `st.spinner` that state a duration, "
                  "placeholders emptied once the work is done included) against the measured seconds:", "",
                  "| rows | page | step | stated: s | wall: s (✗: over the estimate) | in a job slot: s "
                  "| what the page said |",
                  "|---|---|---|---|---|---|---|"]
        lines += [f"| {r['rows']:,} | {name} | {step} | {stated_total(found):,.0f} | {found['wall']:.1f}"
                  f"{' ✗' if over_estimate(found) else ''} | {found.get('slot_s', 0):.1f} | "
                  + " · ".join(_clean(e["text"]) for e in found["estimates"] if e.get("seconds") is not None) + " |"
                  for r, name, step, found in stated]
    lines += ["", "| rows | upload parsed: s | training 2 models: s | peak RSS, whole process: MB | peak RSS while "
              "the pages ran: MB | RSS at the end: MB |", "|---|---|---|---|---|---|"]
    for r in results:
        setup, memory = r.get("setup", {}), r.get("memory", {})
        peak = memory.get("peak_mb")
        peak_text = "—" if peak is None else f"{peak:,.0f}" + (f" {_mark(peak, TARGET_PEAK_MB)}"
                                                                 if r["rows"] == TARGET_ROWS else "")
        hwm = memory.get("hwm_mb") if r.get("peak_reset") else None
        lines.append(f"| {r['rows']:,} | {setup.get('upload', {}).get('wall', float('nan')):.1f} | "
                     f"{sum(setup.get('training', {}).values()):.1f} | {peak_text} | "
                     f"{'—' if hwm is None else f'{hwm:,.0f}'} | {memory.get('rss_mb') or float('nan'):,.0f} |")
    lines += ["", "Peak RSS, whole process: `ru_maxrss` (upload, training and pages in one process, as on a server "
              "that trains); while the pages ran: `VmHWM` after resetting it once the models were stored. MB = 10⁶ "
              "bytes.",
              "<!-- bench/scale_pages.py: end -->"]
    return "\n".join(lines)


def table(report: dict) -> str:
    """A plain-text table of every figure, for the terminal."""
    out = [f"{'page':<26} {'rows':>7} {'first s':>8} {'script s':>8} {'slot s':>7} {'rerun s':>8} {'peak MB':>8}"
           "  problems"]
    for r in report["results"]:
        for name, steps in r.get("pages", {}).items():
            first, rerun = steps["first"], steps["rerun"]
            problems = "; ".join(_clean(p)[:120] for p in problems_of(first) + problems_of(rerun))
            out.append(f"{name:<26} {r['rows']:>7,} {first['wall']:>8.2f} {first['script']:>8.2f} "
                       f"{first.get('slot_s', 0):>7.2f} {rerun['wall']:>8.2f} {first.get('hwm_mb') or 0:>8,.0f}  "
                       f"{problems}")
            for step, found in steps.items():
                for e in found.get("estimates", []):
                    over = e.get("seconds") is not None and over_estimate(found)
                    out.append(f"    said ({step}, {e['kind']}): {_clean(e['text'])[:150]!r} -> "
                               + ("no estimate" if e.get("seconds") is None else
                                  f"stated {e['seconds']:g} s, wall {found['wall']:.1f} s"
                                  + (" OVER" if over else "")))
        memory = r.get("memory", {})
        training = r.get("setup", {}).get("training", {})
        out.append(f"{'(setup)':<26} {r['rows']:>7,} {_side(r)} images, upload {r.get('upload_mb', 0):.1f} MB "
                   f"parsed in {r.get('setup', {}).get('upload', {}).get('wall', float('nan')):.1f} s, training "
                   + ", ".join(f"{k} {v:.1f} s" for k, v in training.items())
                   + "".join(f"; note: {_clean(n)[:200]}" for n in r.get("notes", [])))
        out.append(f"{'(memory)':<26} {r['rows']:>7,} peak {memory.get('peak_mb', 0):,.0f} MB, "
                   f"while the pages ran {memory.get('hwm_mb') or 0:,.0f} MB, "
                   f"VmRSS {memory.get('rss_mb') or 0:,.0f} MB" + (f"; FAILED: {r['failed']}" if r.get("failed") else ""))
    for name, e in report.get("exponents", {}).items():
        if e:
            out.append(f"growth exponent {name}: " + ", ".join(f"{k} {v:.2f}" for k, v in e.items()))
    return "\n".join(out)
