"""modelyard: a self-hosted ML model platform speaking five vendor APIs."""

__version__ = "0.1.0"
