"""Analogy analyses on arrays: the functor mechanism and the Dirichlet energy of embeddings."""
