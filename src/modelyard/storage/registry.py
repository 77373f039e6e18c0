"""Artifact stores by URL scheme, as MLflow picks its stores: this registry knows the built-in
schemes and imports a backend only when its scheme is opened (boto3 loads with the first
``s3://`` URL); backends import only ``base`` and never this module.

A plain path or ``file://`` is a local directory, ``s3://bucket/prefix`` a bucket; a plugin adds
a scheme with ``register_store``.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlparse

from modelyard.storage.base import ArtifactStore

StoreFactory = Callable[[str], ArtifactStore]


def _local(url: str) -> ArtifactStore:
    from modelyard.storage.local import from_url

    return from_url(url)


def _s3(url: str) -> ArtifactStore:
    from modelyard.storage.s3 import from_url

    return from_url(url)


_FACTORIES: dict[str, StoreFactory] = {"file": _local, "s3": _s3}


def register_store(scheme: str, factory: StoreFactory) -> None:
    """Make ``scheme://…`` URLs open with ``factory``."""
    _FACTORIES[scheme] = factory


def open_store(url: str) -> ArtifactStore:
    """The store for ``url``: a plain path or ``file://`` is local, ``s3://bucket/prefix`` S3."""
    scheme = urlparse(url).scheme if "://" in url else "file"
    factory = _FACTORIES.get(scheme)
    if factory is None:
        raise ValueError(f"no artifact store for URL scheme '{scheme}' ({url})")
    return factory(url)
