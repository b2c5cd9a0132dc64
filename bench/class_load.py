"""Issue 31: a class on one link. Visitors without a browser, each a session driven through
Streamlit's agent API (``--server.enableAgentApi true`` on this benchmark's own server only, never
in .streamlit/config.toml), open the tour's pages with the shipped demos, nothing trained.

Phases, each on a fresh server (``--phases``, default all): ``cold`` (a fresh server per page, the
page's link until its script run finishes), ``solo`` (one visitor through every page: the server's
peak) and ``crowd`` (``--visitors N ...``: N visitors started ``--stagger`` s apart; per page p50 /
p95 seconds until the run finishes, errors, the server's peak and settled memory). Every phase's
result is kept in bench/results_class_load.json, so phases run apart (each under 10 minutes on two
cores) build one section of BENCHMARKS.md.

Usage: ``python -m bench.class_load --visitors 20 40 [--phases crowd] [--baseline DIR] [--no-write]``."""

from __future__ import annotations

import json
import math
import statistics
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from bench.harness.memory import RssSampler, tree_rss_kb
from bench.harness.report import commit, load_note, now, say, section_main, stamp_line
from bench.harness.server import ROOT, streamlit_server

#: The tour's pages a visitor opens, in order (url path, name); Home is the session's first request.
VISIT = (("", "Home"), ("linear_3d", "3D → 2D"), ("latent", "Latent space"), ("clusters", "Clusters"),
         ("reconstructions", "Reconstructions"), ("anomalies", "Anomalies"), ("generate", "Generate"),
         ("compare", "Compare"))
#: Pages of the cold-start table: the visit's and the others a link may open first.
COLD = VISIT + (("train", "Train"), ("runs", "Runs"), ("digit", "Your own digit"), ("family", "Family"))
#: The agent API's wait for one run; past it the request collects the same run again.
WAIT_S = 300
#: After the last visitor: how long the server is left alone before its settled memory is read.
SETTLE_S = 10.0
#: A visitor's request that has not answered after this counts as an error (a hung page).
REQUEST_LIMIT_S = 540.0
AGENT_FLAGS = ("--server.enableAgentApi", "true", "--server.agentWaitTimeout", str(WAIT_S),
               "--server.agentMaxSessions", "200")
RESULTS = ROOT / "bench" / "results_class_load.json"
TARGETS = {"cold_s": 3.0, "solo_peak_mb": 1100, 20: {"peak_mb": 1500, "p95_s": 5.0}, 40: {"peak_mb": 2500}}


class AgentError(RuntimeError):
    """A refused or failed agent API request (its code and message)."""


def interact(url: str, body: dict, limit: float = REQUEST_LIMIT_S) -> dict:
    """One agent API request until its run has finished: a ``wait_timed_out`` answer is collected
    again with the session's id alone (the run goes on meanwhile)."""
    deadline = time.monotonic() + limit
    while True:
        request = urllib.request.Request(f"{url}/_stcore/agent/interact", data=json.dumps(body).encode(),
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=max(1.0, deadline - time.monotonic())) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as exc:
            error = json.loads(exc.read() or b"{}").get("error", {})
            if error.get("code") == "wait_timed_out" and time.monotonic() < deadline:
                body = {"session_id": error.get("session_id") or body.get("session_id")}
                continue
            raise AgentError(f"{exc.code} {error.get('code')}: {str(error.get('message'))[:200]}") from None


def problems(node: dict) -> list[str]:
    """The exceptions and ``st.error`` boxes of a snapshot's tree, in words."""
    found = []
    for child in node.get("children", []):
        kind, props = child.get("type"), child.get("props", {})
        if kind == "exception":
            found.append(f"exception {props.get('type', '')}: {str(props.get('message', ''))[:160]}")
        elif kind == "error":
            found.append(f"st.error: {str(props.get('body', ''))[:160]}")
        found += problems(child)
    return found


@dataclass
class Visitor:
    """One session through ``pages``: seconds per page until its run finished, and what went wrong."""

    name: str
    seconds: dict = field(default_factory=dict)
    errors: list = field(default_factory=list)

    def walk(self, url: str, pages=VISIT) -> None:
        session = None
        for path, page in pages:
            started = time.perf_counter()
            try:
                body = {"page": path} if session is None else {"session_id": session, "page": path}
                snapshot = interact(url, body)
                session = snapshot["session_id"]
                self.errors += [f"{page}: {p}" for p in problems(snapshot["tree"])]
                if snapshot.get("status") == "error" and not problems(snapshot["tree"]):
                    self.errors.append(f"{page}: the run ended in an error")
            except (AgentError, OSError, ValueError, KeyError) as exc:
                self.errors.append(f"{page}: {type(exc).__name__}: {str(exc)[:200]}")
                if session is None:
                    return  # no session to go on with
            self.seconds[page] = time.perf_counter() - started


def quantiles(values: list[float]) -> tuple[float, float]:
    """(p50, p95) of the timings; p95 by nearest rank (with 20 visitors, the 19th)."""
    ordered = sorted(values)
    return statistics.median(ordered), ordered[math.ceil(0.95 * len(ordered)) - 1]


def settled_mb(pid: int) -> float:
    """The server's tree RSS once it has been left alone for SETTLE_S (sessions still open)."""
    time.sleep(SETTLE_S)  # the server finishes its reruns' clean-up and collects garbage meanwhile
    return tree_rss_kb(pid) / 1024


def crowd(n_visitors: int, stagger: float, app_root=ROOT, log=say) -> dict:
    """``n_visitors`` sessions on one fresh server of ``app_root``'s app, started ``stagger`` s apart."""
    with streamlit_server(app_root, flags=AGENT_FLAGS) as server:
        idle_mb = tree_rss_kb(server.pid) / 1024
        sampler = RssSampler(server.pid, every=0.2, tree=True)
        sampler.start()
        visitors = [Visitor(f"visitor {i + 1}") for i in range(n_visitors)]
        threads = [threading.Thread(target=v.walk, args=(server.url,), daemon=True) for v in visitors]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
            time.sleep(stagger)  # the visitors arrive one after another, as a class opening a link
        for thread in threads:
            thread.join(REQUEST_LIMIT_S * len(VISIT))
        wall = time.perf_counter() - started
        peak = sampler.max_mb()
        settled = settled_mb(server.pid)
        sampler.stop()
        log(f"[class_load] {n_visitors} visitors: {wall:.0f} s, peak {peak:.0f} MB, settled {settled:.0f} MB")
    pages = {}
    for _, page in VISIT:
        times = [v.seconds[page] for v in visitors if page in v.seconds]
        if times:
            p50, p95 = quantiles(times)
            pages[page] = {"n": len(times), "p50": p50, "p95": p95, "max": max(times)}
    errors = [f"{v.name}: {e}" for v in visitors for e in v.errors]
    return {"visitors": n_visitors, "stagger_s": stagger, "wall_s": wall, "idle_mb": idle_mb, "peak_mb": peak,
            "settled_mb": settled, "pages": pages, "errors": len(errors), "error_examples": errors[:8],
            "server_log_tail": server.log_text[-1500:] if errors else ""}


def solo(app_root=ROOT, log=say) -> dict:
    """One visitor through every page of the visit on a fresh server: seconds per page, peak."""
    with streamlit_server(app_root, flags=AGENT_FLAGS) as server:
        sampler = RssSampler(server.pid, every=0.2, tree=True)
        sampler.start()
        visitor = Visitor("solo")
        visitor.walk(server.url)
        peak = sampler.max_mb()
        settled = settled_mb(server.pid)
        sampler.stop()
    log(f"[class_load] solo: peak {peak:.0f} MB, {visitor.errors or 'no errors'}")
    return {"seconds": visitor.seconds, "peak_mb": peak, "settled_mb": settled, "errors": len(visitor.errors),
            "error_examples": visitor.errors[:8]}


def cold(app_root=ROOT, log=say) -> dict:
    """A fresh server per page: the page's link (a creating call naming it) until its run finishes,
    and the server's peak meanwhile."""
    pages = {}
    for path, page in COLD:
        with streamlit_server(app_root, flags=AGENT_FLAGS) as server:
            sampler = RssSampler(server.pid, every=0.2, tree=True)
            sampler.start()
            visitor = Visitor("cold")
            visitor.walk(server.url, ((path, page),))
            sampler.stop()
        pages[page] = {"seconds": visitor.seconds.get(page), "peak_mb": sampler.max_mb(),
                       "errors": visitor.errors[:3]}
        log(f"[class_load] cold {page}: {pages[page]['seconds'] or 0:.1f} s, peak {pages[page]['peak_mb']:.0f} MB")
    return {"pages": pages}


def measure(args) -> dict:
    """Run the phases asked for, each on ``--baseline``'s checkout first ("before") when one is
    given, then on this one; merge them into the results kept from earlier runs (a run with a
    baseline replaces them all: before and after belong to one run)."""
    kept = json.loads(RESULTS.read_text()).get("phases", {}) if RESULTS.exists() else {}
    phases = {} if args.baseline else dict(kept)
    checkouts = [(" (before)", Path(args.baseline).resolve()), (" (after)", ROOT)] if args.baseline else [("", ROOT)]

    def stamped(result: dict, root) -> dict:
        return {**result, "date": now(), "commit": commit(root, dirty=True), "load": load_note(),
                "command": " ".join(["python -m bench.class_load", *sys.argv[1:]])}

    for suffix, root in checkouts:
        if "cold" in args.phases:
            phases["cold" + suffix] = stamped(cold(root), root)
        if "solo" in args.phases:
            phases["solo" + suffix] = stamped(solo(root), root)
    if "crowd" in args.phases:
        for n in args.visitors:
            for suffix, root in checkouts:
                say(f"[class_load] {n} visitors{suffix}, {args.stagger} s apart ...")
                phases[f"crowd {n}{suffix}"] = stamped(crowd(n, args.stagger, root), root)
    return {"phases": phases}


def _target(ok: bool) -> str:
    return "yes" if ok else "**no**"


def _variants(phases: dict, name: str) -> list[str]:
    """The keys of phase ``name`` ("cold", "solo", "crowd 20"), before before after."""
    return sorted((k for k in phases if k == name or k.startswith(name + " (")), key=lambda k: "after" in k)


def _cold_lines(phases: dict) -> list[str]:
    keys = _variants(phases, "cold")
    if not keys:
        return []
    lines = [(f"**Cold start**, a fresh server per page, the page's link until its run finished (target ≤ "
             f"{TARGETS['cold_s']:.0f} s); seconds and the server's peak MB:"), "",
             "| page | " + " | ".join(f"{k}: s | MB" for k in keys) + " |", "|---|" + "---|---|" * len(keys)]
    for _, page in COLD:
        cells = []
        for k in keys:
            r = phases[k]["pages"].get(page)
            seconds = None if r is None else r["seconds"]
            cells.append("- | -" if seconds is None else
                         f"{seconds:.1f}{'' if seconds <= TARGETS['cold_s'] else ' ✗'} | {r['peak_mb']:,.0f}")
        lines.append(f"| {page} | " + " | ".join(cells) + " |")
    lines.append("")
    for k in keys:
        c = phases[k]
        errors = [f"{page}: {e}" for page, r in c["pages"].items() for e in r["errors"]]
        lines.append(f"- {k}: `{c['command']}`, commit `{c['commit']}`, {c['load']}; errors: "
                     f"{'; '.join(errors) or 0}.")
    return lines + [""]


def _solo_lines(phases: dict) -> list[str]:
    lines = []
    for k in _variants(phases, "solo"):
        s = phases[k]
        lines += [f"**One visitor through every page**{k[4:]} (`{s['command']}`, commit `{s['commit']}`, {s['load']}): "
                  f"server peak **{s['peak_mb']:,.0f} MB** (target ≤ {TARGETS['solo_peak_mb']:,} MB: "
                  f"{_target(s['peak_mb'] <= TARGETS['solo_peak_mb'])}), settled {s['settled_mb']:,.0f} MB, "
                  f"errors {s['errors']}; seconds per page: "
                  + ", ".join(f"{p} {v:.1f}" for p, v in s["seconds"].items()) + ".", ""]
        lines += [f"- {e}" for e in s["error_examples"]]
    return lines


def _crowd_lines(phases: dict) -> list[str]:
    crowds = sorted((k for k in phases if k.startswith("crowd ")), key=lambda k: (int(k.split()[1]), "after" in k))
    if not crowds:
        return []
    heads = [phases[k] for k in crowds]
    lines = [(f"**Visitors on one server**, started {heads[0]['stagger_s']} s apart; seconds until each page's "
             "run finished:"), "",
             "| page | " + " | ".join(f"{k[6:]} visitors: p50 | p95" for k in crowds) + " |",
             "|---|" + "---|---|" * len(heads)]
    for _, page in VISIT:
        cells = [f"{h['pages'][page]['p50']:.1f} | {h['pages'][page]['p95']:.1f}" if page in h["pages"]
                 else "- | -" for h in heads]
        lines.append(f"| {page} | " + " | ".join(cells) + " |")
    for label, key in (("server peak MB", "peak_mb"), ("settled MB", "settled_mb"), ("idle server MB", "idle_mb"),
                       ("errors", "errors"), ("wall s", "wall_s")):
        lines.append(f"| *{label}* | " + " | ".join(f"{h[key]:,.0f} | " for h in heads) + "|")
    lines.append("")
    for k, h in zip(crowds, heads):
        target = TARGETS.get(h["visitors"], {})
        verdicts = []
        if "peak_mb" in target:
            verdicts.append(f"peak ≤ {target['peak_mb']:,} MB: {_target(h['peak_mb'] <= target['peak_mb'])}")
        if "p95_s" in target:
            worst = max(p["p95"] for p in h["pages"].values())
            verdicts.append(f"every p95 ≤ {target['p95_s']:.0f} s: {_target(worst <= target['p95_s'])}")
        verdicts.append(f"0 errors: {_target(h['errors'] == 0)}")
        lines.append(f"- {k} (`{h['command']}`, commit `{h['commit']}`, {h['load']}): " + "; ".join(verdicts)
                     + "." + "".join(f"\n  - {e}" for e in h["error_examples"][:4]))
    return lines


def markdown(report: dict) -> str:
    phases = report["phases"]
    lines = ["<!-- bench/class_load.py: begin -->", "## A class on one link: visitors through the agent API (issue 31)",
             "", stamp_line(report, load=True), "",
             "Each visitor is one session driven through Streamlit's agent API (enabled on this benchmark's own "
             "server by a command-line flag): Home, then " + ", ".join(p for _, p in VISIT[1:]) + " with the "
             "shipped demos, nothing trained; a page's time runs from the request until its script run "
             "finishes (reruns included). Errors: uncaught exceptions and `st.error` boxes in the pages, and "
             "refused or failed requests. Memory: the RSS of the server's process tree, sampled every 0.2 s; "
             f"*settled*: {SETTLE_S:.0f} s after the last visitor, sessions still open. Phases run apart keep "
             "their own command, commit and load; `--baseline DIR` measures another checkout the same way in "
             "the same run (before / after). The load average of each phase is beside it (the benchmark's own "
             "server and visitors count in it).", ""]
    lines += _cold_lines(phases) + _solo_lines(phases) + _crowd_lines(phases)
    lines.append("<!-- bench/class_load.py: end -->")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    arguments = (
        (("--visitors",), {"type": int, "nargs": "+", "default": [20], "help": "visitors on one server, per run"}),
        (("--stagger",), {"type": float, "default": 0.2, "help": "seconds between two visitors' arrivals"}),
        (("--baseline",), {"metavar": "DIR", "help": "a checkout measured first, the same way (before / after)"}),
        (("--phases",), {"nargs": "+", "choices": ["cold", "solo", "crowd"], "default": ["cold", "solo", "crowd"],
                         "help": "what to measure (each on fresh servers); the others are kept from earlier runs"}),
    )
    return section_main("class_load", __doc__, measure, markdown, argv, arguments=arguments)


if __name__ == "__main__":
    sys.exit(main())

