"""The build: parameters, papermill execution, Jupyter Book, caching keys, sweeps, and the command line."""
