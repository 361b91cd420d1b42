"""Table, figure and analysis jobs, and config validation, start without torch, and analysis
jobs without scikit-learn unless they use it: their modules import these only on use."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Modules the `scripts/` adapters and rule files import for jobs that never run a model, and
# those config validation imports each time the workflow is parsed.
LIGHT_MODULES = [
    "taskdyn.config",
    "taskdyn.catalogue",
    "taskdyn.models.spec",
    "taskdyn.tasks.extras",
    "taskdyn.jobs",
    "taskdyn.analysis_jobs",
    "taskdyn.figure_jobs",
    "taskdyn.manifest",
    "taskdyn.studies",
    "taskdyn.studies.splits",
    "taskdyn.studies.ctdb",
    "taskdyn.studies.ctdb.checks",
    "taskdyn.studies.ctdb.jobs",
    "taskdyn.studies.analogy",
    "taskdyn.studies.analogy.checks",
    "taskdyn.studies.analogy.jobs",
    "taskdyn.studies.analogy.sweep",
    "taskdyn.studies.binding",
    "taskdyn.studies.binding.checks",
    "taskdyn.studies.binding.jobs",
    "taskdyn.studies.thalamus",
    "taskdyn.studies.thalamus.checks",
    "taskdyn.studies.thalamus.jobs",
    "taskdyn.studies.thalamus.inputs",
    "taskdyn.studies.thalamus.inputs",
    "taskdyn.studies.wm",
    "taskdyn.studies.wm.checks",
    "taskdyn.studies.wm.inputs",
    "taskdyn.studies.wm.jobs",
]

# Imports the modules in argv[2:] in turn and prints the first one after which the package
# argv[1] is loaded.
CHECK = """
import importlib, sys
for name in sys.argv[2:]:
    importlib.import_module(name)
    if sys.argv[1] in sys.modules:
        print(name)
        break
"""


def first_module_loading(package: str, modules: list[str]) -> str:
    """The first of `modules` whose import (in a fresh process, in turn) loads `package`, or ""."""
    result = subprocess.run([sys.executable, "-c", CHECK, package, *modules],
                            capture_output=True, text=True, check=True)
    return result.stdout.strip()


def test_light_job_modules_do_not_import_torch():
    loader = first_module_loading("torch", LIGHT_MODULES)
    assert loader == "", f"importing {loader} loads torch"


# Validates each config with the studies' own checks, then says whether torch is loaded.
VALIDATE = """
import sys
from taskdyn.config import load_yaml, validate_config
for path in sys.argv[2:]:
    validate_config(load_yaml(path), sys.argv[1], study_checks=True)
print("torch" in sys.modules)
"""


def test_config_validation_does_not_import_torch():
    """Every snakemake start validates the config with the study checks: they must stay light."""
    configs = [ROOT / "config" / "config.yaml", ROOT / "config" / "paper.yaml"]
    result = subprocess.run([sys.executable, "-c", VALIDATE, ROOT / "workflow" / "schemas",
                             *configs], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False", "validating the configs loads torch"


def test_analysis_and_figure_jobs_load_scikit_learn_only_for_the_jobs_that_use_it():
    """Spectra, fixed-point, metrics-table and most figure jobs start without scikit-learn (~1 s
    of CPU each); the PCA, state-R², trial and fixed-point figure jobs load it when they run."""
    loader = first_module_loading("sklearn", ["taskdyn.analysis_jobs", "taskdyn.figure_jobs",
                                              "taskdyn.catalogue"])
    assert loader == "", f"importing {loader} loads scikit-learn"
