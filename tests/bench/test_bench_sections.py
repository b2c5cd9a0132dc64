"""`python -m aecore bench` rewrites BENCHMARKS.md's table but keeps the sections the separate
benchmarks wrote (t-SNE, fair speed, every page at scale, ...)."""

from bench import run
from bench.harness.report import marked_sections, row

OLD = """# Benchmarks

| group | figure | value | baseline | ratio | target | note |
|---|---|---|---|---|---|---|
| old | stale figure | 1 |  |  |  |  |

<!-- bench/tsne.py: begin -->
## t-SNE
| rows | s |
<!-- bench/tsne.py: end -->

<!-- bench/class_load.py --phases cold: begin -->
## a class, cold
<!-- bench/class_load.py --phases cold: end -->
<!-- bench/broken.py: begin -->
a section whose end marker was lost is not kept
"""


def test_marked_sections_are_found_whole_and_in_order():
    sections = marked_sections(OLD)
    assert [s.splitlines()[0] for s in sections] == ["<!-- bench/tsne.py: begin -->",
                                                     "<!-- bench/class_load.py --phases cold: begin -->"]
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


def test_rerunning_one_module_replaces_its_groups_rows_and_keeps_every_other_row(tmp_path, monkeypatch):
    import json
    import sys
    import types

    monkeypatch.setattr(run, "ROOT", tmp_path)
    (tmp_path / "bench").mkdir()
    old = {"quick": False, "date": "2026-11-01", "commit": "old0001", "seconds": 900.0, "machine": {},
           "module_seconds": {"linear": 1.0, "growth": 50.0},
           "rows": [row("linear", "angle", 0.1), row("growth", "1,000 rows", 1.0), row("growth", "5,000 rows", 5.0),
                    row("speed", "epoch", 0.2)]}
    (tmp_path / "bench" / "results.json").write_text(json.dumps(old))
    fake = types.ModuleType("bench.growth")
    fake.run = lambda quick=False: [row("growth", "1,000 rows", 0.9), row("growth", "200,000 rows", 99.0),
                                    row("growth, memory", "200,000 rows", 700.0, unit="MB")]
    monkeypatch.setitem(sys.modules, "bench.growth", fake)
    assert run.main(["--only", "growth"]) == 0
    merged = json.loads((tmp_path / "bench" / "results.json").read_text())
    assert [(r["group"], r["name"], r["value"]) for r in merged["rows"]] == [
        ("linear", "angle", 0.1), ("growth", "1,000 rows", 0.9), ("growth", "200,000 rows", 99.0),
        ("speed", "epoch", 0.2), ("growth, memory", "200,000 rows", 700.0)]
    assert merged["date"] == "2026-11-01" and merged["reruns"][0]["module"] == "growth"
    text = (tmp_path / "BENCHMARKS.md").read_text()
    assert "commit `old0001`" in text and "Rerun since with `--only growth`" in text
    assert "| linear | angle |" in text and "200,000 rows" in text and "| 5,000 rows |" not in text


def test_a_section_benchmark_runs_in_its_own_process_and_leaves_the_table_alone(tmp_path, monkeypatch):
    import subprocess
    import sys

    monkeypatch.setattr(run, "ROOT", tmp_path)
    (tmp_path / "BENCHMARKS.md").write_text(OLD)
    commands = []

    def fake_run(command, cwd=None):
        commands.append(command)
        return subprocess.CompletedProcess(command, 0)

    monkeypatch.setattr(run.subprocess, "run", fake_run)
    assert run.main(["--only", "scale_pages", "tsne", "--no-write"]) == 0
    assert commands == [[sys.executable, "-m", "bench.scale_pages", "--sizes", "5000,20000,60000,200000", "--no-write"],
                        [sys.executable, "-m", "bench.tsne", "--no-write"]]
    assert (tmp_path / "BENCHMARKS.md").read_text() == OLD and not (tmp_path / "bench").exists()

    monkeypatch.setattr(run.subprocess, "run", lambda command, cwd=None: subprocess.CompletedProcess(command, 1))
    try:
        run.main(["--only", "fair_speed"])
    except RuntimeError as exc:
        assert "bench.fair_speed failed" in str(exc)
    else:
        raise AssertionError("a failing section must not pass silently")
