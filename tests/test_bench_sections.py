"""`python -m aecore bench` rewrites BENCHMARKS.md's table but keeps the sections the separate
benchmarks wrote (t-SNE, fair speed, every page at scale, ...)."""

from bench import run
from bench.common import marked_sections, row

OLD = """# Benchmarks

| group | figure | value | baseline | ratio | target | note |
|---|---|---|---|---|---|---|
| old | stale figure | 1 |  |  |  |  |

<!-- bench/tsne.py: begin -->
## t-SNE
| rows | s |
<!-- bench/tsne.py: end -->

<!-- bench/load_browser.py --browser-nice 19: begin -->
## load, nice 19
<!-- bench/load_browser.py --browser-nice 19: end -->
<!-- bench/broken.py: begin -->
a section whose end marker was lost is not kept
"""


def test_marked_sections_are_found_whole_and_in_order():
    sections = marked_sections(OLD)
    assert [s.splitlines()[0] for s in sections] == ["<!-- bench/tsne.py: begin -->",
                                                     "<!-- bench/load_browser.py --browser-nice 19: begin -->"]
    assert sections[0].endswith("<!-- bench/tsne.py: end -->") and "| rows | s |" in sections[0]


def test_a_full_run_rewrites_the_table_and_keeps_the_sections(tmp_path, monkeypatch):
    monkeypatch.setattr(run, "ROOT", tmp_path)
    (tmp_path / "BENCHMARKS.md").write_text(OLD)
    report = {"quick": False, "date": "2026-12-02", "commit": "abc1234", "seconds": 12.0, "machine": {},
              "rows": [row("new group", "fresh figure", 2.5, unit="s")]}
    run.write_markdown(report)
    text = (tmp_path / "BENCHMARKS.md").read_text()
    assert "fresh figure" in text and "stale figure" not in text
    assert all(section in text for section in marked_sections(OLD))
    assert "broken.py" not in text
