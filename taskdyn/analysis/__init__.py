"""Analyses of trained networks: arrays in, arrays or dataclasses out, no file I/O."""
