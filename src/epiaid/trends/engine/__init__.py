"""Science code of the trends capability: no Django imports anywhere below this package.

Everything here works on plain numpy arrays, pandas frames and Python lists so that the analyses
run from the CLI, from notebooks and from the web app alike.
"""
