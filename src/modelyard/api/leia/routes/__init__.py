"""The Leia routes, one module per URL resource."""
