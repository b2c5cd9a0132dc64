"""The browser side of bench/reruns.py: the init script that logs, on the page's clock, every input
event and every change of the app's script state; :class:`Measurement`, one interaction to time;
and :class:`Session`, which finds a page's widgets and times one interaction from its input event
to the end of the last run it caused."""

from __future__ import annotations

import re
import sys
import time
from dataclasses import dataclass

FIND_TIMEOUT_MS = 60_000
RUN_START_TIMEOUT = 10.0  # seconds for an interaction's run to start
RUN_END_TIMEOUT = 180.0  # seconds for its runs to end
QUIET = 0.6  # seconds without a new run after "notRunning" before the interaction counts as over
NOT_STATES = ("input", "tabSelected")  # log entries that are not script states

# Logs, in page time: input events and the stApp's script-state changes. Survives page loads.
INIT_SCRIPT = """
(() => {
  const log = window.__rerunLog = [];
  const note = (what) => log.push([performance.now(), what]);
  for (const type of ['keydown', 'pointerdown']) window.addEventListener(type, () => note('input'), true);
  const watch = () => {
    new MutationObserver((records) => {
      for (const r of records) {
        const el = r.target;
        if (!el.getAttribute) continue;
        if (r.attributeName === 'data-test-script-state' && el.getAttribute('data-testid') === 'stApp') {
          note(el.getAttribute('data-test-script-state'));
        } else if (r.attributeName === 'aria-selected' && el.getAttribute('role') === 'tab'
                   && el.getAttribute('aria-selected') === 'true') {
          note('tabSelected');
        }
      }
    }).observe(document, {subtree: true, attributes: true,
                          attributeFilter: ['data-test-script-state', 'aria-selected']});
  };
  if (document.documentElement) watch(); else document.addEventListener('DOMContentLoaded', watch);
})();
"""


@dataclass(frozen=True)
class Measurement:
    name: str
    title: str
    page: str  # URL path of the page
    kind: str  # "select", "slider" or "tab"
    key: str = ""  # widget key
    label: str = ""  # widget label (fallback when the key's class is not found)
    tab: str = ""  # the tab that holds the widget (clicked only if the widget is not visible)
    tabs: tuple[str, str] = ("", "")  # for kind "tab": the two tabs to switch between


LATENT_VIEW = ("latent.method", "View", "PCA")  # pinned so that before and after colour the same view


class Session:
    """One browser page on one server: finds widgets, times interactions."""

    def __init__(self, page, verbose: bool = False):
        self.page, self.verbose = page, verbose

    def say(self, text: str) -> None:
        if self.verbose:
            print(f"[reruns] {text}", file=sys.stderr, flush=True)

    def widget(self, testid: str, key: str, label: str):
        """The widget with this key (Streamlit's st-key-<key> class) or, failing that, this label."""
        if key:
            by_key = self.page.locator(f".st-key-{re.sub(r'[^a-zA-Z0-9_-]', '-', key)}")
            if by_key.count():
                return by_key.first
        labelled = self.page.locator(f'[data-testid="{testid}"]').filter(
            has=self.page.locator('[data-testid="stWidgetLabel"]').get_by_text(label, exact=True))
        return labelled.first

    def tab(self, label: str):
        return self.page.get_by_role("tab", name=label, exact=True).first

    def clear(self) -> None:
        self.page.evaluate("window.__rerunLog.length = 0")

    def log(self) -> list:
        return self.page.evaluate("window.__rerunLog.slice()")

    def now(self) -> float:
        return self.page.evaluate("performance.now()")

    def settle_after(self, action, allow_no_run: bool = False) -> dict:
        """Clear the log, do ``action``, wait for the runs it causes to end; the timing (page clock)."""
        self.clear()
        action()
        deadline = time.monotonic() + RUN_START_TIMEOUT
        while True:  # for the input event and a run to start
            entries = self.log()
            inputs = [t for t, what in entries if what == "input"]
            t0 = inputs[0] if inputs else None
            states = [(t, what) for t, what in entries if what not in NOT_STATES and t0 is not None and t >= t0]
            if any(what != "notRunning" for _, what in states):
                break
            selected = [t for t, what in entries if what == "tabSelected" and t0 is not None and t >= t0]
            if allow_no_run and selected and self.now() - selected[0] > 2000:
                return {"seconds": (selected[0] - t0) / 1000, "run_seconds": 0.0, "runs": 0, "no_run": True}
            if time.monotonic() > deadline:
                raise RuntimeError("no run started within "
                                   f"{RUN_START_TIMEOUT:.0f} s of the interaction (inputs seen: {len(inputs)})")
            time.sleep(0.02)
        deadline = time.monotonic() + RUN_END_TIMEOUT
        while True:  # for the last run to end, and no new one for QUIET seconds
            states = [(t, what) for t, what in self.log() if what not in NOT_STATES and t >= t0]
            state = states[-1][1] if states else "running"
            if state == "notRunning" and self.now() - states[-1][0] >= QUIET * 1000:
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"the run did not end within {RUN_END_TIMEOUT:.0f} s")
            time.sleep(0.05)
        starts = [t for i, (t, what) in enumerate(states)
                  if what != "notRunning" and (i == 0 or states[i - 1][1] == "notRunning")]
        end = states[-1][0]
        return {"seconds": (end - t0) / 1000, "run_seconds": (end - starts[0]) / 1000,
                "runs": len(starts), "no_run": False}

    def problems(self) -> list[str]:
        boxes = self.page.locator('[data-testid="stException"]')
        return [boxes.nth(i).inner_text()[:200] for i in range(min(boxes.count(), 3))]

    def ensure_visible(self, m: Measurement, target) -> None:
        """Open the tab holding the widget if it is not visible (a lazily drawn or hidden tab)."""
        if target.count() and target.is_visible():
            return
        if m.tab and self.tab(m.tab).count():
            self.say(f"opening tab {m.tab!r}")
            self.settle_after(lambda: self.tab(m.tab).click(), allow_no_run=True)
        target.wait_for(state="visible", timeout=FIND_TIMEOUT_MS)

    # ---- the interactions: each returns a callable doing one timed interaction

    def prepare(self, m: Measurement):
        if m.kind == "select":
            key, label, option = LATENT_VIEW
            view = self.widget("stRadio", key, label)
            view.wait_for(state="visible", timeout=FIND_TIMEOUT_MS)
            checked = view.locator("label:has(input:checked)")
            shown = checked.first.inner_text().strip() if checked.count() else ""
            if shown != option:
                self.say(f"switching the view from {shown!r} to {option!r}")
                self.settle_after(lambda: view.locator("label").filter(has_text=option).first.click())
            select = self.widget("stSelectbox", m.key, m.label)
            self.ensure_visible(m, select)
            combo = select.locator('[role="combobox"]').first

            def choose():
                combo.click()
                options = self.page.locator('[role="option"]')
                options.first.wait_for(timeout=FIND_TIMEOUT_MS)
                texts = [text.strip() for text in options.all_inner_texts()][:2]
                if len(texts) < 2:
                    raise RuntimeError(f"{m.label!r} has fewer than two options: {texts}")
                current = combo.input_value()
                other = options.nth(1 if texts[0] == current else 0)
                return self.settle_after(other.click)

            return choose
        if m.kind == "slider":
            slider = self.widget("stSlider", m.key, m.label)
            self.ensure_visible(m, slider)
            thumb = slider.get_by_role("slider").first  # an <input type="range">, visually hidden
            step = {"i": 0}

            def move():
                self.ensure_visible(m, slider)  # a later layout may have moved it
                key = "ArrowRight" if step["i"] % 2 == 0 else "ArrowLeft"
                step["i"] += 1
                thumb.focus()
                return self.settle_after(lambda: thumb.press(key))

            return move
        if m.kind == "tab":
            for label in m.tabs:
                self.tab(label).wait_for(state="visible", timeout=FIND_TIMEOUT_MS)

            def switch():
                # The one of the two that is not selected now (at f07db39 a switch back to the first
                # tab can leave the second one shown, so strict alternation would click a selected tab).
                selected = [self.tab(label).get_attribute("aria-selected") == "true" for label in m.tabs]
                label = m.tabs[1] if selected[0] else m.tabs[0]
                timing = self.settle_after(self.tab(label).click, allow_no_run=True)
                timing["clicked"] = label
                timing["shown_after"] = next(
                    (x for x in m.tabs if self.tab(x).get_attribute("aria-selected") == "true"), "neither")
                return timing

            return switch
        raise ValueError(m.kind)
