"""Pipelines: model versions and connectors chained into one request."""
