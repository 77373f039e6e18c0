"""Serving: models, their versions and deployment packages, builds, and requests to them."""
