"""Task generators: numpy in, numpy out, randomness through a `np.random.Generator`."""
