"""Pipelines: model versions and connectors chained into one request.

Importing the domain registers its deletion guard on serving (``references``): a model or a
version a pipeline object uses cannot be deleted.
"""

from modelyard.core.pipelines import references

references.register()
