"""Readers of corpus sources, one module per format; :mod:`lineage.corpus` is their front."""
