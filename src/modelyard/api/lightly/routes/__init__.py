"""Routes of the Lightly dialect, one module per URL resource."""
