"""Scheduled requests: cron expressions that make requests to a model version or a pipeline.

Above serving and pipelines, since a schedule may target either; neither imports this package.
"""
