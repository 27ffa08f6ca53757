"""Assay-design science code: no Django here, so it runs from the CLI, notebooks and benchmarks.

primer3-py (GPL-2.0-only) is imported lazily by :mod:`.thermo` only; every other module imports
without it.
"""
