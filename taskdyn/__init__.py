"""taskdyn: train task-trained networks and analyse how they compute."""

__version__ = "0.1.0"
