"""wm figure stage: read the stimulus file and the study tables, draw, save PDF + PNG."""

from __future__ import annotations

from taskdyn.io import read_h5, read_h5_attrs, read_table
from taskdyn.plotting import save_figure
from taskdyn.plotting.wm import (
    accuracy_bars,
    cross_task_matrices,
    cross_time_matrices,
    orthogonalisation_bars,
    perturbation_curves,
    procrustes_bars,
    stimuli_grid,
)
from taskdyn.studies.wm import PROPERTIES

# figure name → (tables it reads, in the drawing function's argument order; drawing function)
FROM_TABLES = {"accuracy": (("accuracy",), accuracy_bars),
               "cross_time": (("decoding",), cross_time_matrices),
               "procrustes": (("procrustes",), procrustes_bars),
               "orthogonalisation": (("orthogonalisation", "orthogonalisation_test"),
                                     orthogonalisation_bars),
               "cross_task": (("cross_task",), cross_task_matrices),
               "perturbation": (("perturbation",), perturbation_curves)}
FIGURE_NAMES = ("stimuli", *FROM_TABLES)
TABLE_NAMES = tuple(dict.fromkeys(name for names, _ in FROM_TABLES.values() for name in names))


def make_figures(*, images: str, tables: dict[str, str], pdfs: dict[str, str],
                 pngs: dict[str, str]) -> None:
    """Every wm figure (FIGURE_NAMES); `tables` is keyed by table name (TABLE_NAMES), `pdfs`
    and `pngs` by figure name."""
    arrays = read_h5(images)
    fig = stimuli_grid(arrays["images"], {k: arrays[k] for k in PROPERTIES},
                       read_h5_attrs(images)["category_names"])
    save_figure(fig, pdfs["stimuli"], pngs["stimuli"])
    for name, (names, draw) in FROM_TABLES.items():
        save_figure(draw(*(read_table(tables[table]) for table in names)), pdfs[name],
                    pngs[name])
