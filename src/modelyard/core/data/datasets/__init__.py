"""Tabular datasets: uploaded whole or in chunks, validated, collated and kept as Parquet."""
