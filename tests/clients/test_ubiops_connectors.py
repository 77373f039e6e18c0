"""The ``ubiops==2.1.0`` client manages credentials and connectors on a real server; the server
verifies them against real PostgreSQL, MariaDB and S3 (moto) and writes through them."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import ubiops
from ubiops.rest import ApiException

from modelyard.core.data.connectors.delivery import deliver
from modelyard.core.identity import service as identity
from modelyard.core.secrets import KEY_FILE, SecretBox
from modelyard.db.engine import make_engine, make_session_factory, transaction
from modelyard.storage import open_store
from tests.clients.conftest import core_api
from tests.storage.s3server import CREDENTIALS as S3_KEYS
from tests.storage.s3server import moto_server, new_bucket, object_keys, raw_client
from tests.support.server import RunningServer
from tests.support.targets import (
    MARIADB,
    POSTGRES,
    mariadb_rows,
    mariadb_table,
    postgres_rows,
    postgres_schema,
)
from tests.support.ubiops import error_of, unique

pytestmark = pytest.mark.slow

FIELDS = [
    ubiops.ConnectorFieldCreate(name="x", data_type="int"),
    ubiops.ConnectorFieldCreate(name="label", data_type="string"),
]


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    with moto_server() as endpoint:
        yield endpoint


@pytest.fixture(scope="module")
def project(server: RunningServer) -> Iterator[str]:
    for api in core_api(server, server.token):
        name = unique("conn")
        api.projects_create(ubiops.ProjectCreate(name=name, organization_name="default"))
        yield name
        api.projects_delete(name)


def settled(read: Callable[[], Any]) -> Any:
    """``read()`` once its status is no longer pending (the server's worker verifies)."""
    deadline = time.monotonic() + 30
    while (found := read()).status == "pending_verification":
        assert time.monotonic() < deadline, "verification did not finish in 30 s"
        time.sleep(0.1)
    return found


def credentials(api: ubiops.CoreApi, project: str, kind: str, config: dict[str, str]) -> str:
    name = unique(kind.replace("_", "-"))
    data = ubiops.CredentialsCreate(name=name, type=kind, configuration=config)
    api.credentials_create(project, data)
    return name


def s3_config(endpoint: str) -> dict[str, str]:
    return {
        "access_key": S3_KEYS["AWS_ACCESS_KEY_ID"],
        "secret_key": S3_KEYS["AWS_SECRET_ACCESS_KEY"],
        "region": S3_KEYS["AWS_DEFAULT_REGION"],
        "endpoint_url": endpoint,
    }


def deliver_as_server(
    server: RunningServer, project: str, connector: str, items: list[Any]
) -> None:
    """Write through a connector the way the server's pipelines do: its database, its secret
    key and its artifact store."""
    engine = make_engine(server.database_url)
    try:
        box = SecretBox((server.data_dir / KEY_FILE).read_text().strip())
        store = open_store(str((server.data_dir / "artifacts").resolve()))
        with transaction(make_session_factory(engine)) as session:
            principal = identity.authenticate(session, server.token)
            scope = identity.project_scope(session, principal, project)
            deliver(session, box, scope, connector, items, store=store)
    finally:
        engine.dispose()


class TestConfigurations:
    def test_lists_each_type_with_its_parameters(self, api: ubiops.CoreApi) -> None:
        found = {c.connector: c for c in api.configurations_list()}
        assert {"aws_s3", "postgresql", "mysql"} <= set(found)
        assert found["aws_s3"].connector_type == "blob"
        assert found["mysql"].connector_type == "structured"
        params = {p["parameter"]: p for p in found["postgresql"].credentials_configuration}
        assert params["password"]["protected"] == "True"
        assert params["port"]["default"] == "5432"
        assert params["port"]["regex"].startswith("^")


class TestCredentials:
    def test_crud_never_returns_protected_values(
        self, api: ubiops.CoreApi, server: RunningServer, project: str
    ) -> None:
        secret = f"pw-{uuid.uuid4().hex}"
        name = credentials(api, project, "postgresql", POSTGRES | {"password": secret})
        got = api.credentials_get(project, name)
        assert (got.type, got.project, got.reference_count) == ("postgresql", project, "0")
        listed = [c.name for c in api.credentials_list(project)]
        assert name in listed
        renamed = f"{name}-2"
        update = ubiops.CredentialsUpdate(name=renamed, configuration={"port": "5432"})
        assert api.credentials_update(project, name, update).name == renamed
        headers = {"Authorization": f"Token {server.token}"}
        base = f"{server.url}/v2.1/projects/{project}/credentials"
        for url in (base, f"{base}/{renamed}"):
            body = httpx.get(url, headers=headers).text
            assert renamed in body
            assert secret not in body
        api.credentials_delete(project, renamed)
        with pytest.raises(ApiException) as caught:
            api.credentials_get(project, renamed)
        assert caught.value.status == 404

    def test_good_credentials_become_available_and_bad_ones_fail_with_a_reason(
        self, api: ubiops.CoreApi, project: str, s3_endpoint: str
    ) -> None:
        cases = {
            credentials(api, project, "postgresql", POSTGRES): None,
            credentials(api, project, "mysql", MARIADB): None,
            credentials(api, project, "aws_s3", s3_config(s3_endpoint)): None,
            credentials(api, project, "postgresql", POSTGRES | {"database": "no_such_db"}): (
                "no_such_db"
            ),
            credentials(api, project, "mysql", MARIADB | {"password": "wrong"}): "Access denied",
        }
        for name, problem in cases.items():
            found = settled(lambda name=name: api.credentials_get(project, name))
            if problem is None:
                assert (found.status, found.error_message) == ("available", "")
            else:
                assert found.status == "failed_verification"
                assert problem in found.error_message

    def test_bad_configuration_is_refused_naming_the_parameter(
        self, api: ubiops.CoreApi, project: str
    ) -> None:
        data = ubiops.CredentialsCreate(
            name=unique("bad"), type="postgresql", configuration={"host": "h", "username": "u"}
        )
        with pytest.raises(ApiException) as caught:
            api.credentials_create(project, data)
        assert caught.value.status == 400
        assert error_of(caught.value)["field"] == "configuration.database"


class TestConnectors:
    def test_crud_and_credentials_in_use_cannot_be_deleted(
        self, api: ubiops.CoreApi, project: str
    ) -> None:
        with postgres_schema("CREATE TABLE {table} (x integer, label text)") as schema:
            creds = credentials(api, project, "postgresql", POSTGRES)
            name = unique("pg-out")
            config = {"schema": schema, "table": "items"}
            data = ubiops.ConnectorCreate(
                name=name,
                type="postgresql",
                credentials=creds,
                configuration=config,
                input_fields=FIELDS,
            )
            created = api.connectors_create(project, data)
            assert (created.input_type, created.status) == ("structured", "pending_verification")
            found = settled(lambda: api.connectors_get(project, name))
            assert (found.status, found.credentials) == ("available", creds)
            assert [(f.name, f.data_type) for f in found.input_fields] == [
                ("x", "int"),
                ("label", "string"),
            ]
            assert api.credentials_get(project, creds).reference_count == "1"
            with pytest.raises(ApiException) as caught:
                api.credentials_delete(project, creds)
            assert caught.value.status == 409
            assert name in error_of(caught.value)["error"]
            change = ubiops.ConnectorUpdate(name=name, configuration={"table": "missing"})
            updated = api.connectors_update(project, name, change)
            assert updated.status == "pending_verification"
            failed = settled(lambda: api.connectors_get(project, name))
            assert failed.status == "failed_verification"
            assert "does not exist" in failed.error_message
            assert name in [c.name for c in api.connectors_list(project)]
            api.connectors_delete(project, name)
            api.credentials_delete(project, creds)

    def test_a_connector_needs_credentials_of_its_type(
        self, api: ubiops.CoreApi, project: str
    ) -> None:
        creds = credentials(api, project, "mysql", MARIADB)
        data = ubiops.ConnectorCreate(
            name=unique("x"),
            type="postgresql",
            credentials=creds,
            configuration={"table": "t"},
            input_fields=FIELDS,
        )
        with pytest.raises(ApiException) as caught:
            api.connectors_create(project, data)
        assert caught.value.status == 400
        assert error_of(caught.value)["field"] == "credentials"


class TestDelivery:
    def test_rows_reach_postgresql_and_mariadb(
        self, api: ubiops.CoreApi, server: RunningServer, project: str
    ) -> None:
        items = [{"x": 1, "label": "one"}, {"x": 2, "label": "two"}]
        with (
            postgres_schema("CREATE TABLE {table} (x integer, label text)") as schema,
            mariadb_table("CREATE TABLE {table} (x INT, label VARCHAR(16))") as table,
        ):
            targets = (
                ("postgresql", POSTGRES, {"schema": schema, "table": "items"}),
                ("mysql", MARIADB, {"table": table}),
            )
            for kind, login, config in targets:
                creds = credentials(api, project, kind, login)
                name = unique(f"{kind}-out")
                data = ubiops.ConnectorCreate(
                    name=name,
                    type=kind,
                    credentials=creds,
                    configuration=config,
                    input_fields=FIELDS,
                )
                api.connectors_create(project, data)
                assert settled(lambda name=name: api.connectors_get(project, name)).status == (
                    "available"
                )
                deliver_as_server(server, project, name, items)
            assert postgres_rows(schema, "x, label") == [(1, "one"), (2, "two")]
            assert mariadb_rows(table, "x, label") == [(1, "one"), (2, "two")]

    def test_blobs_reach_s3(
        self,
        api: ubiops.CoreApi,
        server: RunningServer,
        project: str,
        s3_endpoint: str,
        tmp_path: Path,
    ) -> None:
        bucket = new_bucket(s3_endpoint)
        creds = credentials(api, project, "aws_s3", s3_config(s3_endpoint))
        name = unique("s3-out")
        data = ubiops.ConnectorCreate(
            name=name,
            type="aws_s3",
            credentials=creds,
            configuration={"bucket": bucket, "path_prefix": "in"},
        )
        created = api.connectors_create(project, data)
        assert [(f.name, f.data_type) for f in created.input_fields] == [("blob", "blob")]
        assert settled(lambda: api.connectors_get(project, name)).status == "available"
        source = tmp_path / "report.csv"
        source.write_text("a,b\n1,2\n")
        blob = api.blobs_create(project, file=str(source))
        deliver_as_server(server, project, name, [{"blob": blob.id}])
        key = f"in/{blob.id}/report.csv"
        assert object_keys(s3_endpoint, bucket) == [key]
        body = raw_client(s3_endpoint).get_object(Bucket=bucket, Key=key)["Body"].read()
        assert body == b"a,b\n1,2\n"
