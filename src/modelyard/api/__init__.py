"""HTTP edges: one package per vendor dialect, mounted on one application."""
