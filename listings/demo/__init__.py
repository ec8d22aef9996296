"""Demo data, listings part: the catalogue (catalogue.py), its generated pictures (pictures.py)
and the loader that takes every product through the real lifecycle (loader.py)."""
