"""UbiOps v2.1 routes, one module per URL resource."""
