"""Wire models of the registry, named after the framework's (``gemini/rest_api/models.py``)."""
