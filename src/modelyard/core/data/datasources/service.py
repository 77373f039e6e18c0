"""Sample datasets and their datasources: create, configure, verify, list, track progress.

A dataset lives in a project and always has one datasource (``LIGHTLY`` until configured).
Secrets are sealed before they reach the database and never leave the service: reads return
``DatasourceRead`` without them. Verify and listing talk to the store; nothing they do is
written to the database, so a store that fails leaves no partial state.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from modelyard.core.data.datasources import repository as repo
from modelyard.core.data.datasources.errors import (
    dataset_name_taken,
    dataset_unknown,
    invalid,
    invalid_config,
    no_store,
    unreachable,
)
from modelyard.core.data.datasources.kinds import find_kind
from modelyard.core.data.datasources.kinds.base import DatasourceKind, Endpoints, Location
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
from modelyard.core.data.datasources.verify import verify as verify_location
from modelyard.core.identity.schemas import ProjectRef
from modelyard.core.secrets import SecretBox
from modelyard.db.engine import SessionFactory, transaction
from modelyard.db.tables import DatasourceRow, SampleDatasetRow
from modelyard.db.types import utcnow
from modelyard.errors import DomainError, NotFound

MAX_TIMESTAMP = 2**53
"""The largest processedUntilTimestamp: an integer every JSON reader keeps exactly."""


@dataclass(frozen=True)
class Stores:
    """What opening a datasource needs besides its row: the secret box, the endpoints, and
    where LOCAL datasources may point (only under ``local_root``, which the operator sets:
    without it there are no LOCAL datasources; never into ``private``, the server's own data:
    its database and secret key)."""

    box: SecretBox
    endpoints: Endpoints
    local_root: Path | None = None
    private: tuple[Path, ...] = ()

    def check_local(self, full_path: str) -> Path:
        """The directory of a LOCAL datasource, once it may be served; else a 400."""
        path = Path(full_path).resolve()
        inside = [p.resolve() for p in self.private]
        if any(path.is_relative_to(p) or p.is_relative_to(path) for p in inside):
            raise invalid_config("fullPath", "must not hold or lie in the server's data directory")
        if self.local_root is None:
            raise invalid_config(
                "fullPath",
                "LOCAL datasources are off on this server; its operator allows them under one "
                "directory with MODELYARD_LOCAL_DATASOURCE_ROOT",
            )
        if not path.is_relative_to(self.local_root.resolve()):
            raise invalid_config("fullPath", f"must lie under {self.local_root}")
        return path


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
    return SampleDatasetRead.model_validate(_dataset(session, project, dataset_id))


def list_datasets(session: Session, project: ProjectRef) -> list[SampleDatasetRead]:
    return [
        SampleDatasetRead.model_validate(row) for row in repo.list_datasets(session, project.id)
    ]


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
    _touch(session, project, dataset_id)
    session.flush()


def verify(
    sessions: SessionFactory, project: ProjectRef, dataset_id: str, *, stores: Stores
) -> VerifyResult:
    """Try the store for real. It is reached after the database transaction has ended, so a
    slow or unreachable store holds no database connection."""
    with transaction(sessions) as session:
        row = _datasource(session, project, dataset_id)
        if row.type == "LIGHTLY":
            return VerifyResult(can_list=True, can_read=True, can_write=True, can_overwrite=True)
        location = _open(row, stores)
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
        kind, location = find_kind(row.type), _open(row, stores)
    entries = guarded(kind.entries(location, window.after), location.secrets)
    names, following, has_more = page(entries, window)
    data = []
    for name in names:
        url = _read_url(kind, location, name)
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


def _touch(session: Session, project: ProjectRef, dataset_id: str) -> None:
    _dataset(session, project, dataset_id).last_modified_at = utcnow()


def _open(row: DatasourceRow, stores: Stores) -> Location:
    """The store of a datasource; a 400 naming the reason when it cannot even be opened (a
    changed secret key, credentials the store's library refuses)."""
    values = dict(row.settings)
    if row.type == "LOCAL":
        stores.check_local(row.full_path)
    try:
        if row.sealed:
            values.update(json.loads(stores.box.open(row.sealed)))
        return find_kind(row.type).open(row.full_path, values, stores.endpoints)
    except DomainError:
        raise
    except Exception as exc:  # a store that cannot be opened is the user's to fix, not a 500
        raise unreachable(describe(exc, tuple(values.values()))) from None


def _read_url(kind: DatasourceKind, location: Location, name: str) -> str | None:
    try:
        return kind.read_url(location, name, LINK_LIFETIME)
    except Exception as exc:  # signing needs what the credentials may lack
        raise unreachable(describe(exc, location.secrets)) from None
