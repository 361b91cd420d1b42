"""Binding analyses: spectra against the task operator, eigenvalue signatures, experiment comparisons."""
