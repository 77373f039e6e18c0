"""Artifact and blob storage, chosen by URL scheme: a local directory or S3."""

from modelyard.storage.base import ArtifactStore, StoreNotFound
from modelyard.storage.registry import open_store, register_store

__all__ = ["ArtifactStore", "StoreNotFound", "open_store", "register_store"]
