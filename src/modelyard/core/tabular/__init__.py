"""Tabular models: trained on a tabular dataset, they predict and impute its columns."""
