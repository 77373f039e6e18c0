"""Pure rules of the tracking domain: digests that make nullable tuples unique, the framework's
defaults, JSON containment, and signed download links."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import date, datetime
from typing import Any

MODEL_DATASET_TYPE = 4
"""The framework's ``GEMINIDatasetType.Model``. Every dataset here comes into being through a
model (a model's dataset or a record's), so every dataset is of this type and no column keeps
it; the framework's other types (sensor, trait, script, procedure) have no surface here."""

LINK_LIFETIME_SECONDS = 900
"""A download link works for 15 minutes: long enough to follow, short enough to leak little."""


def canonical_json(value: Any) -> str:
    """One spelling per JSON value, so equal values get equal digests."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def info_key(info: dict[str, Any] | None) -> str:
    """The digest a run is unique by (with its model): its run info, ``{}`` and none alike."""
    return hashlib.sha256(canonical_json(info or {}).encode("utf-8")).hexdigest()


def natural_key(
    *,
    timestamp: datetime,
    collection_date: date,
    dataset_id: uuid.UUID,
    experiment_id: uuid.UUID | None,
    season_id: uuid.UUID | None,
    site_id: uuid.UUID | None,
) -> str:
    """The digest a record is unique by (with its model), absent parts included as such."""
    parts = [
        timestamp.isoformat(),
        collection_date.isoformat(),
        dataset_id.hex,
        experiment_id.hex if experiment_id else "-",
        season_id.hex if season_id else "-",
        site_id.hex if site_id else "-",
    ]
    return hashlib.sha256("|".join(parts).encode("ascii")).hexdigest()


def default_dataset_name(model_name: str, collection_date: date) -> str:
    """The framework's name for a record's dataset when the request names none."""
    return f"{model_name} Dataset {collection_date.isoformat()}"


def contains(document: Any, part: Any) -> bool:
    """JSON containment as PostgreSQL's ``@>`` defines it: every key of ``part`` is in
    ``document`` with a containing value; a list contains each element of the other list."""
    if isinstance(part, dict):
        return isinstance(document, dict) and all(
            key in document and contains(document[key], value) for key, value in part.items()
        )
    if isinstance(part, list):
        return isinstance(document, list) and all(
            any(contains(item, wanted) for item in document) for wanted in part
        )
    return bool(document == part and type(document) is type(part))


def parse_id(text: str) -> uuid.UUID | None:
    """An id from a path; None for anything that is not a UUID (the registry answers 404)."""
    try:
        return uuid.UUID(text)
    except ValueError:
        return None
