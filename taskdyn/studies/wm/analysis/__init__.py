"""wm analyses without I/O: memory decoding across steps and stimuli (`memory`), decoder sample
sizes and above-chance rules (`sampling`), orthogonalisation of decoder hyperplanes, the causal
perturbation, and the study-wide summary tables (`summaries`)."""
