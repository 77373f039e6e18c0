"""Background verification: credentials and connectors are checked against their real systems.

Creating or changing them queues a job (in the same transaction) carrying the row's
``revision``; the worker connects outside any transaction, then records ``available`` or
``failed_verification`` with the reason, but only if the row still has that revision, so a
slow check of old settings never overwrites the result for new ones.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from sqlalchemy.orm import Session

from modelyard.core.data.connectors import repository as repo
from modelyard.core.data.connectors import rules
from modelyard.core.data.connectors.kinds import find_kind
from modelyard.core.data.connectors.kinds.base import ConnectorError, ConnectorKind, Target
from modelyard.core.fields.schemas import FieldSpec
from modelyard.core.jobs import service as jobs
from modelyard.core.jobs.schemas import ClaimedJob, JobOutcome
from modelyard.core.jobs.worker import Handler
from modelyard.core.secrets import SecretBox
from modelyard.db.engine import SessionFactory, transaction
from modelyard.db.tables import ConnectorRow, CredentialsRow

logger = logging.getLogger(__name__)

CREDENTIALS_KIND = "credentials.verify"
CONNECTOR_KIND = "connector.verify"


def queue_check(session: Session, row: CredentialsRow | ConnectorRow) -> None:
    """Mark the row pending under a new revision and queue its verification."""
    row.revision += 1
    row.status, row.error_message = rules.PENDING, None
    session.flush()
    kind = CREDENTIALS_KIND if isinstance(row, CredentialsRow) else CONNECTOR_KIND
    payload = {"revision": row.revision}
    jobs.enqueue(
        session, kind=kind, project_id=row.project_id, subject_id=row.id, payloads=[payload]
    )


def plain_values(
    kind: ConnectorKind, row: CredentialsRow | ConnectorRow, box: SecretBox
) -> dict[str, str]:
    """The row's configuration opened; ConnectorError if a secret no longer opens."""
    params = kind.credentials_params if isinstance(row, CredentialsRow) else kind.connector_params
    values = rules.unseal(params, row.configuration, box)
    unreadable = sorted(key for key, value in values.items() if value is None)
    if unreadable:
        raise ConnectorError(
            f"the stored {', '.join(unreadable)} cannot be decrypted with this server's secret "
            "key: set it again"
        )
    return {key: value for key, value in values.items() if value is not None}


def target_of(connector: ConnectorRow, credentials: CredentialsRow, box: SecretBox) -> Target:
    kind = kind_of(connector.type)
    return Target(
        credentials=plain_values(kind, credentials, box),
        configuration=plain_values(kind, connector, box),
        fields=tuple(FieldSpec.model_validate(f) for f in connector.input_fields),
    )


def kind_of(name: str) -> ConnectorKind:
    kind = find_kind(name)
    if kind is None:
        raise ConnectorError(f"connector type '{name}' is no longer supported by this server")
    return kind


@dataclass(frozen=True)
class _Check:
    """A verification to run: what to call, and how to record the outcome."""

    run: Callable[[], None]
    record: Callable[..., bool]
    subject: uuid.UUID
    revision: int


class Verifier:
    """The job handlers of both verification kinds."""

    def __init__(self, sessions: SessionFactory, box: SecretBox) -> None:
        self.sessions, self.box = sessions, box

    def handlers(self) -> Mapping[str, Handler]:
        return {CREDENTIALS_KIND: self.verify_credentials, CONNECTOR_KIND: self.verify_connector}

    def verify_credentials(self, job: ClaimedJob) -> JobOutcome:
        with transaction(self.sessions) as session:
            row = repo.get_credentials_by_id(session, _subject(job))
            if row is None or row.revision != job.payload.get("revision"):
                return JobOutcome(True, result={"status": "superseded"})
            check = _Check(
                self._credentials_check(row),
                repo.set_credentials_status,
                row.id,
                row.revision,
            )
        return self._run(check)

    def verify_connector(self, job: ClaimedJob) -> JobOutcome:
        with transaction(self.sessions) as session:
            found = repo.get_connector_by_id(session, _subject(job))
            if found is None or found[0].revision != job.payload.get("revision"):
                return JobOutcome(True, result={"status": "superseded"})
            connector, credentials = found
            check = _Check(
                self._connector_check(connector, credentials),
                repo.set_connector_status,
                connector.id,
                connector.revision,
            )
        return self._run(check)

    def _credentials_check(self, row: CredentialsRow) -> Callable[[], None]:
        box = self.box

        def run() -> None:
            kind = kind_of(row.type)
            kind.check_credentials(plain_values(kind, row, box))

        return run

    def _connector_check(
        self, connector: ConnectorRow, credentials: CredentialsRow
    ) -> Callable[[], None]:
        box = self.box

        def run() -> None:
            kind_of(connector.type).check_target(target_of(connector, credentials, box))

        return run

    def _run(self, check: _Check) -> JobOutcome:
        error = _attempt(check.run)
        status = rules.AVAILABLE if error is None else rules.FAILED
        with transaction(self.sessions) as session:
            recorded = check.record(
                session,
                check.subject,
                revision=check.revision,
                status=status,
                error=None if error is None else rules.clip(error),
            )
        return JobOutcome(True, result={"status": status if recorded else "superseded"})


def _subject(job: ClaimedJob) -> uuid.UUID:
    assert job.subject_id is not None
    return job.subject_id


def _attempt(run: Callable[[], None]) -> str | None:
    """None when the check passed, else why it did not."""
    try:
        run()
    except ConnectorError as exc:
        return str(exc)
    except Exception as exc:
        logger.exception("verification raised unexpectedly")
        return f"verification failed unexpectedly: {exc}"
    return None
