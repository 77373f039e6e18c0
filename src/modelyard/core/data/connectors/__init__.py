"""Credentials and connectors: how a project reaches outside systems (S3, PostgreSQL, MySQL).

``service`` holds the rules of both, ``verify`` the background checks against the real systems,
``delivery`` the writes a pipeline makes through a connector, and ``kinds`` the supported types.
"""
