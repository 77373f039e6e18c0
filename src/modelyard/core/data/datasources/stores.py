"""Opening a datasource's store: what it takes besides the row (``Stores``), and the rules on
where LOCAL datasources may point."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from modelyard.core.data.datasources.errors import invalid_config, unreachable
from modelyard.core.data.datasources.kinds import find_kind
from modelyard.core.data.datasources.kinds.base import Endpoints, Location
from modelyard.core.data.datasources.reasons import describe
from modelyard.core.secrets import SecretBox
from modelyard.db.tables import DatasourceRow
from modelyard.errors import DomainError
from modelyard.settings import Settings


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

    @classmethod
    def of(cls, settings: Settings, box: SecretBox) -> Stores:
        endpoints = Endpoints(
            s3=settings.s3_endpoint_url,
            gcs=settings.gcs_endpoint_url,
            azure=settings.azure_endpoint_url,
        )
        return cls(box, endpoints, settings.local_datasource_root, (settings.data_dir,))

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


def open_location(row: DatasourceRow, stores: Stores) -> Location:
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
