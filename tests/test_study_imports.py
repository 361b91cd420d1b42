"""Table, figure and analysis jobs start without torch: their modules import it only on use."""

import subprocess
import sys

# Modules the `scripts/` adapters and rule files import for jobs that never run a model.
LIGHT_MODULES = [
    "taskdyn.jobs",
    "taskdyn.analysis_jobs",
    "taskdyn.figure_jobs",
    "taskdyn.ctdb_jobs",
    "taskdyn.manifest",
    "taskdyn.studies",
    "taskdyn.studies.analogy",
    "taskdyn.studies.analogy.jobs",
    "taskdyn.studies.analogy.sweep",
    "taskdyn.studies.binding",
    "taskdyn.studies.binding.figures",
    "taskdyn.studies.binding.jobs",
    "taskdyn.studies.thalamus",
    "taskdyn.studies.thalamus.jobs",
    "taskdyn.studies.thalamus.paths",
    "taskdyn.studies.wm",
    "taskdyn.studies.wm.analysis_jobs",
    "taskdyn.studies.wm.figure_jobs",
]

# Imports the modules in turn and prints the first one after which torch is loaded.
CHECK = """
import importlib, sys
for name in sys.argv[1:]:
    importlib.import_module(name)
    if "torch" in sys.modules:
        print(name)
        break
"""


def test_light_job_modules_do_not_import_torch():
    result = subprocess.run([sys.executable, "-c", CHECK, *LIGHT_MODULES], capture_output=True,
                            text=True, check=True)
    assert result.stdout == "", f"importing {result.stdout.strip()} loads torch"
