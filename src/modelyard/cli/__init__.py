"""The ``modelyard`` command line (Typer)."""
