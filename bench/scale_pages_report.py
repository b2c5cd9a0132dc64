"""The report of bench/scale_pages.py: growth exponents, its BENCHMARKS.md section and a terminal table."""

from __future__ import annotations

from bench.scale_pages import EPOCHS, TARGET_FIRST_S, TARGET_PEAK_MB, TARGET_RERUN_S, TARGET_ROWS


def exponents(results: list[dict]) -> dict:
    """Per page: the growth exponent of first-render and rerun seconds over the sizes it ran at."""
    from bench.growth import exponent

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
        "<!-- bench/scale_pages.py: begin -->", "## Every page at up to 60,000 rows (issue 18)", "",
        f"`{report['command']}` · {report['date']} · commit `{report['commit']}` · {report['seconds']:.0f} s · "
        f"{m.get('processor')}, {m.get('cpus')} CPUs, Python {m.get('python')}, TensorFlow "
        f"{m.get('tensorflow')} · load average {{}} → {{}}.".format(*report["load_average"]), "",
        "Synthetic MNIST-shaped rows (`bench.growth.synthetic_mnist`) uploaded as an `.npz` of 28×28 uint8 images "
        "with labels through the Train page's file uploader, in AppTest; two models (the recommended preset, "
        f"dense 512-256-10, {EPOCHS} epochs, seeds 0 and 1, on the app's training split) trained outside the timings, "
        "stored in the session's model store and the first made the current model, as the Train page does. "
        "One fresh process and one session per size; the pages in app.py's order, so a page may reuse what an "
        "earlier one cached (codes, maps), as for a person going through them. First render: "
        "`at.switch_page(page).run()` wall seconds; rerun: `at.run()` again with nothing changed. "
        f"Targets (issue 18) at {TARGET_ROWS:,} rows: first render ≤ {TARGET_FIRST_S:g} s, rerun ≤ "
        f"{TARGET_RERUN_S:g} s, peak memory ≤ {TARGET_PEAK_MB / 1000:g} GB (✓ / ✗).", "",
        "| page | " + " | ".join(f"{n:,} rows: first s | rerun s" for n in sizes)
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
    out = [f"{'page':<26} {'rows':>7} {'first s':>8} {'script s':>8} {'rerun s':>8} {'peak MB':>8}  problems"]
    for r in report["results"]:
        for name, steps in r.get("pages", {}).items():
            first, rerun = steps["first"], steps["rerun"]
            problems = "; ".join(_clean(p)[:120] for p in problems_of(first) + problems_of(rerun))
            out.append(f"{name:<26} {r['rows']:>7,} {first['wall']:>8.2f} {first['script']:>8.2f} "
                       f"{rerun['wall']:>8.2f} {first.get('hwm_mb') or 0:>8,.0f}  {problems}")
        memory = r.get("memory", {})
        out.append(f"{'(memory)':<26} {r['rows']:>7,} peak {memory.get('peak_mb', 0):,.0f} MB, "
                   f"while the pages ran {memory.get('hwm_mb') or 0:,.0f} MB, "
                   f"VmRSS {memory.get('rss_mb') or 0:,.0f} MB" + (f"; FAILED: {r['failed']}" if r.get("failed") else ""))
    for name, e in report.get("exponents", {}).items():
        out.append(f"growth exponent {name}: " + ", ".join(f"{k} {v:.2f}" for k, v in e.items()))
    return "\n".join(out)
