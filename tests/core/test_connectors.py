"""Credentials and connectors on a real database, checked against and writing to real systems:
PostgreSQL and MariaDB on loopback and an S3-protocol server (moto) in a subprocess."""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select
from sqlalchemy.orm import Session

from modelyard.core.data import service as blobs
from modelyard.core.data.connectors import service
from modelyard.core.data.connectors.delivery import deliver
from modelyard.core.data.connectors.errors import ConnectorFailure
from modelyard.core.data.connectors.schemas import (
    ConnectorCreate,
    ConnectorUpdate,
    CredentialsCreate,
    CredentialsUpdate,
)
from modelyard.core.data.connectors.verify import CONNECTOR_KIND, CREDENTIALS_KIND, Verifier
from modelyard.core.fields.schemas import FieldSpec
from modelyard.core.identity import service as identity
from modelyard.core.identity.schemas import ProjectCreate, ProjectRef, TokenIssued
from modelyard.core.jobs import repository as jobs_repo
from modelyard.core.jobs.schemas import ClaimedJob
from modelyard.core.secrets import SecretBox
from modelyard.db.engine import SessionFactory, transaction
from modelyard.db.tables import ConnectorRow, CredentialsRow, JobRow
from modelyard.db.types import utcnow
from modelyard.errors import Conflict, InvalidInput, NotFound
from modelyard.storage.local import LocalStore
from tests.storage.s3server import CREDENTIALS as S3_KEYS
from tests.storage.s3server import moto_server, new_bucket, object_keys, raw_client
from tests.support.server import free_port
from tests.support.targets import (
    MARIADB,
    POSTGRES,
    mariadb_rows,
    mariadb_table,
    postgres_rows,
    postgres_schema,
)

PG_TABLE = "CREATE TABLE {table} (x integer NOT NULL, label text UNIQUE, tags integer[])"
MARIADB_TABLE = "CREATE TABLE {table} (x INT NOT NULL, label VARCHAR(64) UNIQUE, tags TEXT)"
ROW_FIELDS = [
    FieldSpec(name="x", data_type="int"),
    FieldSpec(name="label", data_type="string"),
    FieldSpec(name="tags", data_type="array_int"),
]


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    with moto_server() as endpoint:
        yield endpoint


@pytest.fixture
def box() -> SecretBox:
    return SecretBox(Fernet.generate_key())


@pytest.fixture
def project(sessions: SessionFactory, admin_token: TokenIssued) -> ProjectRef:
    with transaction(sessions) as session:
        principal = identity.authenticate(session, admin_token.token)
        return identity.project_scope(session, principal, "default")


def s3_credentials(endpoint: str) -> dict[str, str]:
    return {
        "access_key": S3_KEYS["AWS_ACCESS_KEY_ID"],
        "secret_key": S3_KEYS["AWS_SECRET_ACCESS_KEY"],
        "region": S3_KEYS["AWS_DEFAULT_REGION"],
        "endpoint_url": endpoint,
    }


def make_credentials(
    session: Session, box: SecretBox, project: ProjectRef, name: str, kind: str, **config: str
) -> None:
    service.create_credentials(
        session, box, project, CredentialsCreate(name=name, type=kind, configuration=config)
    )


def run_checks(sessions: SessionFactory, box: SecretBox) -> int:
    """Claim every queued verification and run it with the real handlers; returns how many."""
    handlers = Verifier(sessions, box).handlers()
    with transaction(sessions) as session:
        claimed = jobs_repo.claim(
            session, owner="test", limit=100, now=utcnow(), lease=timedelta(minutes=1)
        )
    for job in claimed:
        handlers[job.kind](job)
    return len(claimed)


def statuses(sessions: SessionFactory, project: ProjectRef) -> dict[str, tuple[str, str | None]]:
    """Status and error of every credentials (``c:<name>``) and connector (``k:<name>``)."""
    with transaction(sessions) as session:
        found = {
            f"c:{c.name}": (c.status, c.error_message)
            for c in service.list_credentials(session, project)
        }
        found |= {
            f"k:{k.name}": (k.status, k.error_message)
            for k in service.list_connectors(session, project)
        }
    return found


class TestConnectorTypes:
    def test_every_type_lists_its_parameters_and_which_are_protected(self) -> None:
        types = {t.connector: t for t in service.connector_types()}
        assert set(types) == {"aws_s3", "mysql", "postgresql"}
        assert types["aws_s3"].connector_type == "blob"
        assert types["postgresql"].connector_type == "structured"
        pg = {p.parameter: p for p in types["postgresql"].credentials_configuration}
        assert (pg["password"].protected, pg["host"].protected) == (True, False)
        assert (pg["port"].default, pg["host"].default) == ("5432", None)
        s3 = {p.parameter: p for p in types["aws_s3"].credentials_configuration}
        assert s3["secret_key"].protected
        assert s3["access_key"].protected
        assert [p.parameter for p in types["postgresql"].connector_configuration] == [
            "schema",
            "table",
        ]


class TestCredentials:
    def test_create_fills_defaults_masks_and_seals_protected_values(
        self, session: Session, box: SecretBox, project: ProjectRef
    ) -> None:
        config = {"host": "db.local", "username": "u", "password": "s3cret!", "database": "d"}
        created = service.create_credentials(
            session,
            box,
            project,
            CredentialsCreate(name="pg", type="postgresql", configuration=config),
        )
        assert created.status == "pending_verification"
        assert created.configuration == {
            "host": "db.local",
            "port": "5432",
            "username": "u",
            "password": None,
            "database": "d",
        }
        stored = session.scalars(select(CredentialsRow)).one().configuration
        assert "s3cret!" not in json.dumps(stored)
        assert box.open(stored["password"]) == "s3cret!"
        queued = session.scalars(select(JobRow).where(JobRow.subject_id == created.id)).all()
        assert [job.kind for job in queued] == [CREDENTIALS_KIND]

    @pytest.mark.parametrize(
        ("kind", "config", "field", "reason"),
        [
            ("ftp", {}, "type", "not a supported connector type"),
            ("postgresql", {"username": "u", "database": "d"}, "configuration.host", "required"),
            (
                "postgresql",
                {"host": "h", "username": "u", "database": "d", "hots": "x"},
                "configuration.hots",
                "not a parameter of postgresql",
            ),
            (
                "postgresql",
                {"host": "h", "username": "u", "database": "d", "port": "99999"},
                "configuration.port",
                "port number from 1 to 65535",
            ),
            (
                "mysql",
                {"host": "h", "username": "u", "database": "d", "port": {"n": 1}},
                "configuration.port",
                "must be a string",
            ),
        ],
    )
    def test_configuration_is_checked_against_the_type_naming_the_field(
        self,
        session: Session,
        box: SecretBox,
        project: ProjectRef,
        kind: str,
        config: dict[str, Any],
        field: str,
        reason: str,
    ) -> None:
        data = CredentialsCreate(name="c", type=kind, configuration=config)
        with pytest.raises(InvalidInput) as caught:
            service.create_credentials(session, box, project, data)
        assert caught.value.field == field
        assert reason in caught.value.message
        assert service.list_credentials(session, project) == []

    def test_a_malformed_protected_value_is_not_repeated_in_the_error(
        self, session: Session, box: SecretBox, project: ProjectRef
    ) -> None:
        config = s3_credentials("http://127.0.0.1:1") | {"secret_key": "has spaces in it"}
        data = CredentialsCreate(name="s3", type="aws_s3", configuration=config)
        with pytest.raises(InvalidInput) as caught:
            service.create_credentials(session, box, project, data)
        assert caught.value.field == "configuration.secret_key"
        assert "has spaces" not in caught.value.message

    def test_names_are_unique_per_project(
        self, session: Session, box: SecretBox, project: ProjectRef, admin_token: TokenIssued
    ) -> None:
        make_credentials(session, box, project, "pg", "postgresql", **POSTGRES)
        with pytest.raises(Conflict):
            make_credentials(session, box, project, "pg", "mysql", **MARIADB)
        principal = identity.authenticate(session, admin_token.token)
        identity.create_project(
            session, principal, ProjectCreate(name="other", organization_name="default")
        )
        other = identity.project_scope(session, principal, "other")
        make_credentials(session, box, other, "pg", "postgresql", **POSTGRES)
        assert len(service.list_credentials(session, other)) == 1

    def test_update_merges_a_subset_and_queues_a_new_check(
        self, session: Session, box: SecretBox, project: ProjectRef
    ) -> None:
        make_credentials(session, box, project, "pg", "postgresql", **POSTGRES)
        data = CredentialsUpdate(configuration={"password": "new", "port": 5433, "host": None})
        updated = service.update_credentials(session, box, project, "pg", data)
        assert updated.configuration["host"] == POSTGRES["host"]
        assert updated.configuration["port"] == "5433"
        row = session.scalars(select(CredentialsRow)).one()
        assert box.open(row.configuration["password"]) == "new"
        assert row.revision == 2
        kinds = session.scalars(select(JobRow.kind).where(JobRow.subject_id == row.id)).all()
        assert kinds == [CREDENTIALS_KIND, CREDENTIALS_KIND]

    def test_a_rename_alone_is_not_verified_again(
        self, session: Session, box: SecretBox, project: ProjectRef
    ) -> None:
        make_credentials(session, box, project, "pg", "postgresql", **POSTGRES)
        same = {"password": POSTGRES["password"]}
        data = CredentialsUpdate(name="pg2", configuration=same)
        renamed = service.update_credentials(session, box, project, "pg", data)
        assert renamed.name == "pg2"
        assert session.scalars(select(CredentialsRow.revision)).one() == 1
        with pytest.raises(NotFound):
            service.get_credentials(session, project, "pg")

    def test_credentials_in_use_cannot_be_deleted(
        self, session: Session, box: SecretBox, project: ProjectRef
    ) -> None:
        make_credentials(session, box, project, "pg", "postgresql", **POSTGRES)
        pg_connector(session, box, project, "out", "public")
        assert service.get_credentials(session, project, "pg").reference_count == 1
        with pytest.raises(Conflict) as caught:
            service.delete_credentials(session, project, "pg")
        assert "'out'" in caught.value.message
        service.delete_connector(session, project, "out")
        service.delete_credentials(session, project, "pg")
        assert service.list_credentials(session, project) == []


def pg_connector(
    session: Session, box: SecretBox, project: ProjectRef, name: str, schema: str
) -> None:
    data = ConnectorCreate(
        name=name,
        type="postgresql",
        credentials="pg",
        configuration={"schema": schema, "table": "items"},
        input_fields=ROW_FIELDS,
    )
    service.create_connector(session, box, project, data)


class TestConnectors:
    def test_a_structured_connector_keeps_its_fields_and_credentials(
        self, session: Session, box: SecretBox, project: ProjectRef
    ) -> None:
        make_credentials(session, box, project, "pg", "postgresql", **POSTGRES)
        data = ConnectorCreate(
            name="out",
            type="postgresql",
            credentials="pg",
            configuration={"table": "items"},
            input_fields=ROW_FIELDS,
        )
        created = service.create_connector(session, box, project, data)
        assert (created.input_type, created.credentials) == ("structured", "pg")
        assert created.configuration == {"schema": "public", "table": "items"}
        found = service.get_connector(session, project, "out")
        assert [(f.name, f.data_type) for f in found.input_fields] == [
            ("x", "int"),
            ("label", "string"),
            ("tags", "array_int"),
        ]
        assert found.status == "pending_verification"

    def test_a_blob_connector_has_the_one_blob_field(
        self, session: Session, box: SecretBox, project: ProjectRef
    ) -> None:
        make_credentials(session, box, project, "s3", "aws_s3", **s3_credentials("http://h:1"))
        data = ConnectorCreate(
            name="files", type="aws_s3", credentials="s3", configuration={"bucket": "my-bucket"}
        )
        created = service.create_connector(session, box, project, data)
        assert created.input_type == "blob"
        assert [(f.name, f.data_type) for f in created.input_fields] == [("blob", "blob")]
        with pytest.raises(InvalidInput) as caught:
            service.create_connector(
                session,
                box,
                project,
                data.model_copy(update={"name": "f2", "input_fields": ROW_FIELDS}),
            )
        assert caught.value.field == "input_fields"

    @pytest.mark.parametrize(
        ("change", "field"),
        [
            ({"credentials": "nothing"}, "credentials"),
            ({"credentials": "maria"}, "credentials"),
            ({"input_fields": []}, "input_fields"),
            (
                {"input_fields": [FieldSpec(name="x", data_type="complex")]},
                "input_fields[0].data_type",
            ),
            ({"configuration": {"table": "drop table;"}}, "configuration.table"),
            ({"name": "Bad Name"}, "name"),
        ],
    )
    def test_bad_connectors_are_refused_naming_the_field(
        self,
        session: Session,
        box: SecretBox,
        project: ProjectRef,
        change: dict[str, Any],
        field: str,
    ) -> None:
        make_credentials(session, box, project, "pg", "postgresql", **POSTGRES)
        make_credentials(session, box, project, "maria", "mysql", **MARIADB)
        data = ConnectorCreate(
            name="out",
            type="postgresql",
            credentials="pg",
            configuration={"table": "items"},
            input_fields=ROW_FIELDS,
        )
        with pytest.raises(InvalidInput) as caught:
            service.create_connector(session, box, project, data.model_copy(update=change))
        assert caught.value.field == field
        assert service.list_connectors(session, project) == []

    def test_references_block_deletion_and_renaming(
        self, session: Session, box: SecretBox, project: ProjectRef
    ) -> None:
        make_credentials(session, box, project, "pg", "postgresql", **POSTGRES)
        pg_connector(session, box, project, "out", "public")
        service.add_reference(session, project, "out")
        service.add_reference(session, project, "out")
        assert service.get_connector(session, project, "out").reference_count == 2
        with pytest.raises(Conflict):
            service.delete_connector(session, project, "out")
        with pytest.raises(Conflict):
            service.update_connector(session, box, project, "out", ConnectorUpdate(name="o2"))
        for _ in range(3):
            service.remove_reference(session, project, "out")
        assert service.get_connector(session, project, "out").reference_count == 0
        service.delete_connector(session, project, "out")
        with pytest.raises(NotFound):
            service.get_connector(session, project, "out")

    def test_new_credentials_settings_reverify_the_connectors_using_them(
        self, session: Session, box: SecretBox, project: ProjectRef
    ) -> None:
        make_credentials(session, box, project, "pg", "postgresql", **POSTGRES)
        pg_connector(session, box, project, "out", "public")
        update = CredentialsUpdate(configuration={"database": "postgres"})
        service.update_credentials(session, box, project, "pg", update)
        connector = session.scalars(select(ConnectorRow)).one()
        assert connector.revision == 2
        jobs = session.scalars(select(JobRow.kind).where(JobRow.subject_id == connector.id)).all()
        assert jobs == [CONNECTOR_KIND, CONNECTOR_KIND]

    def test_an_update_replaces_fields_and_merges_configuration(
        self, session: Session, box: SecretBox, project: ProjectRef
    ) -> None:
        make_credentials(session, box, project, "pg", "postgresql", **POSTGRES)
        pg_connector(session, box, project, "out", "reports")
        change = ConnectorUpdate(
            configuration={"table": "other"}, input_fields=[FieldSpec(name="y", data_type="double")]
        )
        updated = service.update_connector(session, box, project, "out", change)
        assert updated.configuration == {"schema": "reports", "table": "other"}
        assert [f.name for f in updated.input_fields] == ["y"]
        assert updated.status == "pending_verification"

    def test_deleting_the_project_removes_credentials_and_connectors(
        self, sessions: SessionFactory, box: SecretBox, admin_token: TokenIssued
    ) -> None:
        with transaction(sessions) as session:
            principal = identity.authenticate(session, admin_token.token)
            identity.create_project(
                session, principal, ProjectCreate(name="gone", organization_name="default")
            )
            gone = identity.project_scope(session, principal, "gone")
            make_credentials(session, box, gone, "pg", "postgresql", **POSTGRES)
            pg_connector(session, box, gone, "out", "public")
        with transaction(sessions) as session:
            identity.delete_project(session, principal, "gone")
        with transaction(sessions) as session:
            assert session.scalars(select(ConnectorRow)).all() == []
            assert session.scalars(select(CredentialsRow)).all() == []


class TestVerification:
    def test_good_and_bad_database_credentials(
        self, sessions: SessionFactory, box: SecretBox, project: ProjectRef
    ) -> None:
        with transaction(sessions) as session:
            make_credentials(session, box, project, "pg", "postgresql", **POSTGRES)
            bad_pg = POSTGRES | {"database": f"missing_{uuid.uuid4().hex[:6]}"}
            make_credentials(session, box, project, "pg-bad", "postgresql", **bad_pg)
            make_credentials(session, box, project, "maria", "mysql", **MARIADB)
            make_credentials(
                session, box, project, "maria-bad", "mysql", **MARIADB | {"password": "wrong"}
            )
        assert run_checks(sessions, box) == 4
        found = statuses(sessions, project)
        assert found["c:pg"] == ("available", None)
        assert found["c:maria"] == ("available", None)
        assert found["c:pg-bad"][0] == "failed_verification"
        assert "does not exist" in str(found["c:pg-bad"][1])
        assert found["c:maria-bad"][0] == "failed_verification"
        assert "Access denied" in str(found["c:maria-bad"][1])

    def test_s3_credentials_and_bucket(
        self, sessions: SessionFactory, box: SecretBox, project: ProjectRef, s3_endpoint: str
    ) -> None:
        bucket = new_bucket(s3_endpoint)
        closed = f"http://127.0.0.1:{free_port()}"
        with transaction(sessions) as session:
            make_credentials(session, box, project, "s3", "aws_s3", **s3_credentials(s3_endpoint))
            make_credentials(session, box, project, "s3-off", "aws_s3", **s3_credentials(closed))
            for name, target in (("files", bucket), ("nowhere", f"{bucket}-missing")):
                data = ConnectorCreate(
                    name=name, type="aws_s3", credentials="s3", configuration={"bucket": target}
                )
                service.create_connector(session, box, project, data)
        assert run_checks(sessions, box) == 4
        found = statuses(sessions, project)
        assert found["c:s3"] == ("available", None)
        assert found["c:s3-off"][0] == "failed_verification"
        assert found["k:files"] == ("available", None)
        assert found["k:nowhere"] == (
            "failed_verification",
            f"bucket '{bucket}-missing' does not exist",
        )

    def test_a_connector_needs_its_table_with_a_column_per_field(
        self, sessions: SessionFactory, box: SecretBox, project: ProjectRef
    ) -> None:
        with postgres_schema("CREATE TABLE {table} (x integer, label text)") as schema:
            with transaction(sessions) as session:
                make_credentials(session, box, project, "pg", "postgresql", **POSTGRES)
                pg_connector(session, box, project, "lacking", schema)
                pg_connector(session, box, project, "absent", f"{schema}_nope")
                fitting = ConnectorUpdate(input_fields=ROW_FIELDS[:2])
                data = ConnectorCreate(
                    name="fits",
                    type="postgresql",
                    credentials="pg",
                    configuration={"schema": schema, "table": "items"},
                    input_fields=fitting.input_fields or [],
                )
                service.create_connector(session, box, project, data)
            run_checks(sessions, box)
        found = statuses(sessions, project)
        assert found["k:fits"] == ("available", None)
        assert found["k:lacking"] == (
            "failed_verification",
            f"table {schema}.items has no column(s) tags",
        )
        assert found["k:absent"][0] == "failed_verification"
        assert "does not exist" in str(found["k:absent"][1])

    def test_a_check_of_an_older_revision_does_not_overwrite_the_newer_status(
        self, sessions: SessionFactory, box: SecretBox, project: ProjectRef
    ) -> None:
        with transaction(sessions) as session:
            make_credentials(session, box, project, "pg", "postgresql", **POSTGRES)
            credentials_id = service.get_credentials(session, project, "pg").id
        stale = ClaimedJob(
            id=uuid.uuid4(),
            kind=CREDENTIALS_KIND,
            project_id=project.id,
            subject_id=credentials_id,
            payload={"revision": 0},
            attempts=1,
            max_attempts=3,
        )
        outcome = Verifier(sessions, box).verify_credentials(stale)
        assert outcome.result == {"status": "superseded"}
        assert statuses(sessions, project)["c:pg"] == ("pending_verification", None)

    def test_credentials_sealed_with_another_key_fail_with_a_reason(
        self, sessions: SessionFactory, box: SecretBox, project: ProjectRef
    ) -> None:
        with transaction(sessions) as session:
            make_credentials(session, box, project, "pg", "postgresql", **POSTGRES)
        run_checks(sessions, SecretBox(Fernet.generate_key()))
        status, error = statuses(sessions, project)["c:pg"]
        assert status == "failed_verification"
        assert "password cannot be decrypted" in str(error)


@pytest.fixture
def store(tmp_path: Path) -> LocalStore:
    return LocalStore(tmp_path / "artifacts")


class TestDelivery:
    def test_rows_go_to_postgresql(
        self, session: Session, box: SecretBox, project: ProjectRef
    ) -> None:
        with postgres_schema(PG_TABLE) as schema:
            make_credentials(session, box, project, "pg", "postgresql", **POSTGRES)
            pg_connector(session, box, project, "out", schema)
            items = [{"x": 1, "label": "one", "tags": [1, 2]}, {"x": 2, "label": None, "tags": []}]
            deliver(session, box, project, "out", items)
            assert postgres_rows(schema, "x, label, tags") == [(1, "one", [1, 2]), (2, None, [])]

    def test_a_refused_row_writes_none_and_names_the_connector(
        self, session: Session, box: SecretBox, project: ProjectRef
    ) -> None:
        with postgres_schema(PG_TABLE) as schema:
            make_credentials(session, box, project, "pg", "postgresql", **POSTGRES)
            pg_connector(session, box, project, "out", schema)
            twice = [{"x": 1, "label": "same", "tags": []}, {"x": 2, "label": "same", "tags": []}]
            with pytest.raises(ConnectorFailure) as caught:
                deliver(session, box, project, "out", twice)
            assert caught.value.message.startswith("Connector 'out': postgresql refused")
            assert postgres_rows(schema, "x") == []

    def test_items_that_do_not_fit_the_fields_are_refused_before_writing(
        self, session: Session, box: SecretBox, project: ProjectRef
    ) -> None:
        with postgres_schema(PG_TABLE) as schema:
            make_credentials(session, box, project, "pg", "postgresql", **POSTGRES)
            pg_connector(session, box, project, "out", schema)
            items = [{"x": 1, "label": "a", "tags": []}, {"x": "two", "label": "b", "tags": []}]
            with pytest.raises(ConnectorFailure) as caught:
                deliver(session, box, project, "out", items)
            assert "item 1: field 'x' must be an integer" in caught.value.message
            assert postgres_rows(schema, "x") == []

    def test_rows_go_to_mariadb(
        self, session: Session, box: SecretBox, project: ProjectRef
    ) -> None:
        with mariadb_table(MARIADB_TABLE) as table:
            make_credentials(session, box, project, "maria", "mysql", **MARIADB)
            data = ConnectorCreate(
                name="out",
                type="mysql",
                credentials="maria",
                configuration={"table": table},
                input_fields=ROW_FIELDS,
            )
            service.create_connector(session, box, project, data)
            items = [
                {"x": 7, "label": "seven", "tags": [7]},
                {"x": 8, "label": "eight", "tags": None},
            ]
            deliver(session, box, project, "out", items)
            assert mariadb_rows(table, "x, label, tags") == [
                (7, "seven", "[7]"),
                (8, "eight", None),
            ]
            with pytest.raises(ConnectorFailure) as caught:
                deliver(session, box, project, "out", [{"x": 9, "label": "seven", "tags": []}])
            assert "Duplicate entry" in caught.value.message
            assert len(mariadb_rows(table, "x")) == 2

    def test_blobs_go_to_s3_under_the_prefix(
        self,
        session: Session,
        box: SecretBox,
        project: ProjectRef,
        store: LocalStore,
        s3_endpoint: str,
    ) -> None:
        bucket = new_bucket(s3_endpoint)
        make_credentials(session, box, project, "s3", "aws_s3", **s3_credentials(s3_endpoint))
        config = {"bucket": bucket, "path_prefix": "exports/"}
        data = ConnectorCreate(name="files", type="aws_s3", credentials="s3", configuration=config)
        service.create_connector(session, box, project, data)
        first = blobs.create_blob(
            session, store, project, filename="a.txt", source=io.BytesIO(b"A")
        )
        second = blobs.create_blob(
            session, store, project, filename="b.bin", source=io.BytesIO(b"BB")
        )
        deliver(
            session,
            box,
            project,
            "files",
            [{"blob": str(first.id)}, {"blob": str(second.id)}],
            store=store,
        )
        keys = [f"exports/{first.id}/a.txt", f"exports/{second.id}/b.bin"]
        assert object_keys(s3_endpoint, bucket) == sorted(keys)
        body = raw_client(s3_endpoint).get_object(Bucket=bucket, Key=keys[1])["Body"].read()
        assert body == b"BB"

    def test_an_unknown_blob_writes_nothing(
        self,
        session: Session,
        box: SecretBox,
        project: ProjectRef,
        store: LocalStore,
        s3_endpoint: str,
    ) -> None:
        bucket = new_bucket(s3_endpoint)
        make_credentials(session, box, project, "s3", "aws_s3", **s3_credentials(s3_endpoint))
        data = ConnectorCreate(
            name="files", type="aws_s3", credentials="s3", configuration={"bucket": bucket}
        )
        service.create_connector(session, box, project, data)
        real = blobs.create_blob(session, store, project, filename="a.txt", source=io.BytesIO(b"A"))
        items = [{"blob": str(real.id)}, {"blob": str(uuid.uuid4())}]
        with pytest.raises(ConnectorFailure) as caught:
            deliver(session, box, project, "files", items, store=store)
        assert "items[1].blob" in caught.value.message
        assert object_keys(s3_endpoint, bucket) == []

    def test_an_unknown_connector_is_a_connector_failure(
        self, session: Session, box: SecretBox, project: ProjectRef
    ) -> None:
        with pytest.raises(ConnectorFailure) as caught:
            deliver(session, box, project, "nothing", [{"x": 1}])
        assert caught.value.message.startswith("Connector 'nothing'")
