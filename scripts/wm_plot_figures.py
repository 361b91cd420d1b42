"""Rule wm_plot_figures: every wm figure (PDF + PNG) from the stimuli, the study tables and
the feature cache's encoder record."""
from pathlib import Path

from taskdyn import jobs
from taskdyn.studies.wm import jobs as wm_jobs

with jobs.logged(snakemake.log[0]):
    wm_jobs.make_figures(
        images=snakemake.input.images,
        features=snakemake.input.features,
        tables={name: snakemake.input[name] for name in wm_jobs.TABLE_NAMES},
        pdfs={Path(path).stem: path for path in snakemake.output.pdf},
        pngs={name: snakemake.output[name] for name in wm_jobs.FIGURE_NAMES})
