"""Tracking: registered models, their experiments, runs, datasets and records (the registry)."""
