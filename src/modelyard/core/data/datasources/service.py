"""Sample datasets and their datasources: create, configure, verify, list, track progress.

A dataset lives in a project and always has one datasource (``LIGHTLY`` until configured).
Secrets are sealed before they reach the database and never leave the service: reads return
``DatasourceRead`` without them. Verify and listing talk to the store; nothing they do is
written to the database, so a store that fails leaves no partial state. A dataset's
``n_samples`` and ``size_in_bytes`` come from a background count (``counts.py``).
"""

from __future__ import annotations

import json
import secrets
from pathlib import Path

from sqlalchemy.orm import Session

from modelyard.core.data.datasources import counts
from modelyard.core.data.datasources import repository as repo
from modelyard.core.data.datasources.errors import (
    dataset_name_taken,
    dataset_unknown,
    invalid,
    no_store,
    unreachable,
)
from modelyard.core.data.datasources.kinds import find_kind
from modelyard.core.data.datasources.kinds.base import DatasourceKind, Location
from modelyard.core.data.datasources.links import LINK_LIFETIME, open_link, seal_link
from modelyard.core.data.datasources.listing import (
    Window,
    decode_cursor,
    encode_cursor,
    guarded,
    page,
)
from modelyard.core.data.datasources.reasons import describe
from modelyard.core.data.datasources.schemas import (
    DATASET_TYPES,
    IMAGE_TYPES,
    DatasourceRead,
    DatasourceSettings,
    RawSample,
    RawSamplesPage,
    SampleDatasetCreate,
    SampleDatasetRead,
    VerifyResult,
)
from modelyard.core.data.datasources.stores import Stores as Stores  # re-exported
from modelyard.core.data.datasources.stores import open_location
from modelyard.core.data.datasources.verify import verify as verify_location
from modelyard.core.identity.schemas import ProjectRef
from modelyard.db.engine import SessionFactory, transaction
from modelyard.db.tables import DatasourceRow, SampleDatasetRow
from modelyard.db.types import utcnow
from modelyard.errors import NotFound

MAX_TIMESTAMP = 2**53
"""The largest processedUntilTimestamp: an integer every JSON reader keeps exactly."""


# -- datasets -------------------------------------------------------------------------------


def create_dataset(session: Session, project: ProjectRef, data: SampleDatasetCreate) -> str:
    """A new dataset with a ``LIGHTLY`` datasource; its id, 24 lowercase hex digits."""
    if data.type not in DATASET_TYPES:
        raise invalid("type", f"'{data.type}' is not one of {', '.join(DATASET_TYPES)}")
    if data.img_type is not None and data.img_type not in IMAGE_TYPES:
        raise invalid("imgType", f"'{data.img_type}' is not one of {', '.join(IMAGE_TYPES)}")
    if repo.get_dataset_by_name(session, project.id, data.name) is not None:
        raise dataset_name_taken(data.name)
    dataset_id = secrets.token_hex(12)
    now = utcnow()
    dataset = SampleDatasetRow(
        id=dataset_id, project_id=project.id, name=data.name, type=data.type,
        img_type=data.img_type, created_at=now, last_modified_at=now,
    )  # fmt: skip
    datasource = DatasourceRow(
        dataset_id=dataset_id, type="LIGHTLY", full_path="", settings={}, processed_until=0
    )
    repo.add_dataset(session, dataset, datasource)
    return dataset_id


def get_dataset(session: Session, project: ProjectRef, dataset_id: str) -> SampleDatasetRead:
    """The dataset with what the last count of its datasource found (``counts.py``)."""
    dataset = _dataset(session, project, dataset_id)
    return _read(dataset, repo.get_datasource(session, dataset_id))


def list_datasets(session: Session, project: ProjectRef) -> list[SampleDatasetRead]:
    return [_read(dataset, source) for dataset, source in repo.list_datasets(session, project.id)]


def delete_dataset(session: Session, project: ProjectRef, dataset_id: str) -> None:
    """The dataset and its datasource configuration; the files in the store stay."""
    repo.delete_dataset(session, _dataset(session, project, dataset_id))


# -- datasources ----------------------------------------------------------------------------


def get_datasource(session: Session, project: ProjectRef, dataset_id: str) -> DatasourceRead:
    row = _datasource(session, project, dataset_id)
    return DatasourceRead(
        type=row.type, full_path=row.full_path, thumb_suffix=row.thumb_suffix,
        values=dict(row.settings),
    )  # fmt: skip


def configure(
    session: Session, project: ProjectRef, dataset_id: str, settings: DatasourceSettings,
    *, stores: Stores,
) -> None:  # fmt: skip
    """Replace the datasource; stored even if its path does not exist (verify says so)."""
    row = _datasource(session, project, dataset_id)
    kind = find_kind(settings.type)
    checked = kind.check(settings)
    if kind.type == "LOCAL":
        stores.check_local(checked.full_path)
    box = stores.box
    hidden = {p.name for p in kind.params if p.secret}
    shown = {k: v for k, v in checked.values.items() if k not in hidden}
    sealed = {k: v for k, v in checked.values.items() if k in hidden}
    row.type, row.full_path, row.thumb_suffix = kind.type, checked.full_path, checked.thumb_suffix
    row.settings = shown
    row.sealed = box.seal(json.dumps(sealed)) if sealed else None
    row.last_updated = utcnow()
    counts.reset(row)
    _touch(session, project, dataset_id)
    session.flush()
    counts.queue_count(session, row, project.id)


def verify(
    sessions: SessionFactory, project: ProjectRef, dataset_id: str, *, stores: Stores
) -> VerifyResult:
    """Try the store for real. It is reached after the database transaction has ended, so a
    slow or unreachable store holds no database connection."""
    with transaction(sessions) as session:
        row = _datasource(session, project, dataset_id)
        if row.type == "LIGHTLY":
            return VerifyResult(can_list=True, can_read=True, can_write=True, can_overwrite=True)
        location = open_location(row, stores)
    return verify_location(location)


def list_raw_samples(
    sessions: SessionFactory, project: ProjectRef, dataset_id: str, *, stores: Stores,
    start: int | None, end: int | None, cursor: str | None, link_base: str,
) -> RawSamplesPage:  # fmt: skip
    """One page of the files in the window; ``link_base`` prefixes modelyard's own links.
    Like ``verify``, the store is listed outside the database transaction."""
    window = decode_cursor(cursor) if cursor else Window(start, end)
    if window.start is not None and window.end is not None and window.start > window.end:
        raise invalid("from", "must not be after 'to'")
    with transaction(sessions) as session:
        row = _datasource(session, project, dataset_id)
        if row.type == "LIGHTLY":
            raise no_store(dataset_id)
        kind, location = find_kind(row.type), open_location(row, stores)
    entries = guarded(kind.entries(location, window.after), location.secrets)
    names, following, has_more = page(entries, window)
    data = []
    for name, url in zip(names, _read_urls(kind, location, names), strict=True):
        if url is None:
            url = link_base + seal_link(stores.box, dataset_id, name)
        data.append(RawSample(file_name=name, read_url=url))
    return RawSamplesPage(has_more=has_more, cursor=encode_cursor(following), data=data)


def processed_until(session: Session, project: ProjectRef, dataset_id: str) -> int:
    return _datasource(session, project, dataset_id).processed_until


def set_processed_until(session: Session, project: ProjectRef, dataset_id: str, value: int) -> None:
    if not 0 <= value <= MAX_TIMESTAMP:
        raise invalid("processedUntilTimestamp", f"must be Unix seconds from 0 to {MAX_TIMESTAMP}")
    _datasource(session, project, dataset_id).processed_until = value
    session.flush()


def linked_file(session: Session, link: str, *, stores: Stores) -> Path:
    """The file a signed link of a LOCAL datasource names, if it is still inside the directory
    the dataset's datasource points at."""
    dataset_id, file_name = open_link(stores.box, link)
    row = repo.get_datasource(session, dataset_id)
    if row is None or row.type != "LOCAL":
        raise NotFound("The file of this link is no longer available", field="link")
    root = stores.check_local(row.full_path)
    path = (root / file_name).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise NotFound(f"File '{file_name}' was not found in the datasource", field="link")
    return path


# -- helpers --------------------------------------------------------------------------------


def _dataset(session: Session, project: ProjectRef, dataset_id: str) -> SampleDatasetRow:
    row = repo.get_dataset(session, project.id, dataset_id)
    if row is None:
        raise dataset_unknown(dataset_id)
    return row


def _datasource(session: Session, project: ProjectRef, dataset_id: str) -> DatasourceRow:
    _dataset(session, project, dataset_id)
    row = repo.get_datasource(session, dataset_id)
    if row is None:
        raise dataset_unknown(dataset_id)
    return row


def _read(dataset: SampleDatasetRow, datasource: DatasourceRow | None) -> SampleDatasetRead:
    read = SampleDatasetRead.model_validate(dataset)
    if datasource is not None:
        read.n_samples, read.size_in_bytes = datasource.n_samples, datasource.size_in_bytes
    return read


def _touch(session: Session, project: ProjectRef, dataset_id: str) -> None:
    _dataset(session, project, dataset_id).last_modified_at = utcnow()


def _read_urls(kind: DatasourceKind, location: Location, names: list[str]) -> list[str | None]:
    try:
        return kind.read_urls(location, names, LINK_LIFETIME)
    except Exception as exc:  # signing needs what the credentials may lack
        raise unreachable(describe(exc, location.secrets)) from None
