"""Routes of the Alchemite dialect, one module per resource."""
