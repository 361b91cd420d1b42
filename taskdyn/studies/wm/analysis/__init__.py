"""wm analyses on arrays: orthogonalisation of decoder hyperplanes and the causal perturbation."""
