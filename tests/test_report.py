"""`snakemake --report` on a tiny run holds every figure with a caption, grouped by study.

Where Debian's `chromium` is installed, the report is also opened in headless Chromium: every
figure must be displayed by the report's own viewer, and each view is saved as a screenshot.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from matplotlib.image import imread
from slurm import harness

pytestmark = [pytest.mark.pipeline, pytest.mark.slow]
CHROMIUM = shutil.which("chromium")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--window-size=1400,1000",
                  "--virtual-time-budget=15000"]
# The report's React app sets its global `app` when it first renders, after the load event.
WAIT_FOR_VIEWER = ("while (typeof app === 'undefined') "
                   "await new Promise(resolve => setTimeout(resolve, 50));")


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> tuple[harness.Run, Path]:
    run = harness.preempted_run("local", tmp_path_factory.getbasetemp() / "reliability")
    path = run.results / "report.html"
    result = run.pipeline.snakemake("--report", path, cores=None, check=False, timeout=300)
    assert result.returncode == 0, result.output
    return run, path


def report_data(path: Path, name: str) -> dict:
    """The JSON object the report assigns to `var <name>` in its `<script id="<name>">`."""
    html = path.read_text()
    match = re.search(rf'<script id="{name}">\s*var {name} = (.*?);\s*</script>', html, re.S)
    assert match, f"no {name} in {path}"
    return json.loads(match.group(1))


def caption_text(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html).strip()


def files(run: harness.Run, kind: str, suffix: str) -> list[str]:
    """Workflow-relative paths of a run's figures or tables."""
    return sorted(str(p.relative_to(run.workdir))
                  for p in (run.results / kind).rglob(f"*{suffix}"))


def test_every_figure_and_table_is_in_the_report_with_a_caption(report):
    run, path = report
    results, categories = report_data(path, "results"), report_data(path, "categories")
    figures, tables = files(run, "figures", ".png"), files(run, "tables", ".csv")
    assert figures and tables
    for item in figures + tables:
        assert item in results, f"{item} is not in the report"
        assert caption_text(results[item]["caption"]), f"{item} has no caption"
    for figure in figures:
        entry = results[figure]
        assert entry["mime_type"] == "image/png"
        header, _, payload = entry["data_uri"].partition(",")
        # Snakemake may add parameters (e.g. the file name) between the type and the encoding.
        assert header.startswith("data:image/png") and header.endswith(";base64"), header
        assert base64.b64decode(payload) == (run.workdir / figure).read_bytes()
    # Grouped by study: each figure sits under its study's category.
    by_study = {p for items in categories[harness.STUDY].values() for p in items}
    assert set(figures) <= by_study


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")
def test_report_shows_every_figure_in_chromium(report, tmp_path):
    run, path = report
    figures = files(run, "figures", ".png")
    html = path.read_text()
    # Ask the report's viewer (its global `app`) to show each figure in turn, and record
    # whether the page then holds that figure as a decoded image.
    probe = """<script>
    window.addEventListener("load", async () => {
      %s
      const shown = [];
      for (const path of %s) {
        app.setView({content: "img", contentPath: results[path].data_uri, resultPath: path});
        await new Promise(resolve => setTimeout(resolve, 500));
        const ok = [...document.images].some(
          img => img.src === results[path].data_uri && img.complete && img.naturalWidth > 0);
        shown.push(path + "=" + ok);
      }
      document.body.setAttribute("data-shown", shown.join(";"));
    });
    </script></body>""" % (WAIT_FOR_VIEWER, json.dumps(figures))
    probed = tmp_path / "probe.html"
    probed.write_text(html[: html.rindex("</body>")] + probe + html[html.rindex("</body>") + 7:])
    dom = chromium(tmp_path, "--dump-dom", probed)
    shown = re.search(r'data-shown="([^"]*)"', dom)
    assert shown, "the probe did not run in Chromium"
    assert shown.group(1).split(";") == [f"{figure}=true" for figure in figures]

    for i, figure in enumerate(figures):  # one screenshot per figure, to look at
        page = tmp_path / f"figure{i}.html"
        view = (f'<script>window.addEventListener("load", async () => {{ {WAIT_FOR_VIEWER} '
                f'app.setView({{content: "img", contentPath: results["{figure}"].data_uri, '
                f'resultPath: "{figure}"}}); }});</script></body>')
        page.write_text(html[: html.rindex("</body>")] + view + html[html.rindex("</body>") + 7:])
        shot = tmp_path / f"{Path(figure).parent.name}_{Path(figure).stem}.png"
        chromium(tmp_path, f"--screenshot={shot}", page)
        pixels = imread(shot)[:, 300:, :3]  # right of the report's sidebar
        assert (pixels < 0.9).any(axis=-1).mean() > 0.01, f"{shot} shows no figure"


def chromium(tmp_path: Path, action: str, page: Path) -> str:
    proc = subprocess.run([CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}",
                           action, page.as_uri()], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout
