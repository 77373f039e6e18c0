"""Two servers on one PostgreSQL: work accepted by one is heard by the other at commit (NOTIFY),
not at its next poll. Server A answers the API and runs no jobs; server B runs the jobs and
polls only every 30 s, so a pickup within a second can only be the signal's doing. And what
changes who may do what (a token reset, a role taken away, a service user deleted), what a
version runs (a new package) or what a read gives (a kept read) holds on the other server
within 2 s, and on the server where it was made on the very next request, though both cache
what requests resolve (``db/lookups``)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import ubiops
from ubiops.exceptions import ApiException

from tests.e2e.test_batch_durability import COUNTING_MODEL, deploy, wait_all_done
from tests.support.databases import BACKENDS, Templates, fresh_database
from tests.support.packages import model_zip
from tests.support.server import RunningServer, running_server
from tests.support.ubiops import client_for

pytestmark = pytest.mark.slow

API_ONLY = {"MODELYARD_JOB_CONCURRENCY": "0"}
SLOW_POLL = {"MODELYARD_JOB_POLL_SECONDS": "30"}
KEEP_LOOKUPS = {"MODELYARD_LOOKUP_CACHE_SECONDS": "60"}
"""Cached lookups kept a minute unless a signal says otherwise: what holds within 2 s (or at
once) below is the signal's doing, not the entries' age."""


def picked_up_after(api: ubiops.CoreApi, request_id: str, accepted_at: float) -> float:
    """Seconds from acceptance until the request left ``pending``."""
    deadline = accepted_at + 20
    while time.monotonic() < deadline:
        status = api.batch_model_requests_get("default", "rev", request_id, "v1").status
        if status != "pending":
            return time.monotonic() - accepted_at
        time.sleep(0.02)
    raise AssertionError("the request stayed pending")


@pytest.mark.parametrize("backend", [b for b in BACKENDS if b == "postgresql"])
class TestTwoServersOnOneDatabase:
    def test_a_batch_request_accepted_by_one_is_picked_up_by_the_others_worker_at_once(
        self, backend: str, templates: Templates, tmp_path: Path
    ) -> None:
        package = model_zip(tmp_path / "rev.zip", COUNTING_MODEL)
        data = tmp_path / "data"  # shared, as on one machine: environments and the secret key
        with (
            fresh_database(templates, backend, tmp_path) as url,
            running_server(url, data, env=SLOW_POLL) as worker_server,
            running_server(url, data, token=worker_server.token, env=API_ONLY) as api_server,
        ):
            api = api_server.api()
            deploy(api, package)
            (warm,) = api.batch_model_requests_create("default", "rev", "v1", ["warm"])
            wait_all_done(api, [warm.id], timeout=60)  # B's instance is running now
            delays = []
            for n in range(3):
                (created,) = api.batch_model_requests_create("default", "rev", "v1", [f"r{n}"])
                delays.append(picked_up_after(api, created.id, time.monotonic()))
            results = wait_all_done(api, [warm.id], timeout=30)
            assert [r.status for r in results] == ["completed"]
            assert max(delays) < 1.0, delays


UPPER_MODEL = """
class Model:
    def __init__(self, base_directory, context):
        pass

    def request(self, data):
        return data.upper()
"""
HONOURED_WITHIN = 2.0


def status_on(robot: ubiops.CoreApi, data: str) -> int | str:
    """The other server's answer to a direct request: its result, or the refusal's status."""
    try:
        return str(robot.model_requests_create("default", "rev", "v1", data).result)
    except ApiException as refused:
        return int(refused.status)


def honoured(check: object, expected: int | str, *, at_once: bool) -> None:
    """``check()`` gives ``expected`` at once (the server where the change was made), or within
    ``HONOURED_WITHIN`` seconds (another server), asking again every 50 ms."""
    assert callable(check)
    if at_once:
        assert check() == expected
        return
    start = time.monotonic()
    while (answer := check()) != expected:
        assert time.monotonic() - start < 20, answer
        time.sleep(0.05)
    assert time.monotonic() - start < HONOURED_WITHIN


@pytest.fixture
def servers(templates: Templates, tmp_path: Path) -> Iterator[tuple[RunningServer, RunningServer]]:
    """Server A (API only) and server B (runs jobs), a reversing model deployed on both."""
    data = tmp_path / "data"
    with (
        fresh_database(templates, "postgresql", tmp_path) as url,
        running_server(url, data, env=KEEP_LOOKUPS) as second,
        running_server(url, data, token=second.token, env=API_ONLY | KEEP_LOOKUPS) as first,
    ):
        deploy(first.api(), model_zip(tmp_path / "rev.zip", COUNTING_MODEL))
        yield first, second


@pytest.fixture
def one_server(backend: str, templates: Templates, tmp_path: Path) -> Iterator[RunningServer]:
    """One server, a reversing model deployed."""
    with (
        fresh_database(templates, backend, tmp_path) as url,
        running_server(url, tmp_path / "data", env=KEEP_LOOKUPS) as server,
    ):
        deploy(server.api(), model_zip(tmp_path / "rev.zip", COUNTING_MODEL))
        yield server


def access_changes_hold(first: RunningServer, second: RunningServer, *, at_once: bool) -> None:
    """A removed role, a restored one, a reset token and a deleted service user, made on
    ``first``, each decide ``second``'s next direct requests (``at_once``, or within 2 s)."""
    admin = first.api()
    robot = admin.service_users_create("default", ubiops.ServiceUserCreate(name="robot"))
    assignment = admin.role_assignments_create(
        "default", ubiops.RoleAssignmentCreate(user_id=robot.id, role="project-editor")
    )
    with client_for(second.url, robot.token) as on_second:
        assert status_on(on_second, "ab") == "ba"
        admin.role_assignments_delete("default", assignment.id)
        honoured(lambda: status_on(on_second, "ab"), 403, at_once=at_once)
        admin.role_assignments_create(
            "default", ubiops.RoleAssignmentCreate(user_id=robot.id, role="project-editor")
        )
        honoured(lambda: status_on(on_second, "ab"), "ba", at_once=at_once)
        fresh = admin.service_users_token("default", robot.id, {})
        honoured(lambda: status_on(on_second, "ab"), 401, at_once=at_once)
    with client_for(second.url, fresh.token) as on_second:
        assert status_on(on_second, "ab") == "ba"
        admin.service_users_delete("default", robot.id)
        honoured(lambda: status_on(on_second, "ab"), 401, at_once=at_once)


def new_package_holds(
    first: RunningServer, second: RunningServer, tmp_path: Path, *, at_once: bool
) -> None:
    """A new package uploaded on ``first`` is what ``second`` runs once it is built."""
    admin = first.api()
    with client_for(second.url, second.token) as on_second:
        assert status_on(on_second, "ab") == "ba"
        package = model_zip(tmp_path / "upper.zip", UPPER_MODEL)
        admin.model_versions_file_upload("default", "rev", "v1", file=str(package))
        deadline = time.monotonic() + 120
        while admin.model_versions_get("default", "rev", "v1").status != "available":
            assert time.monotonic() < deadline
            time.sleep(0.1)
        honoured(lambda: status_on(on_second, "ab"), "AB", at_once=at_once)


def new_description_holds(first: RunningServer, second: RunningServer, *, at_once: bool) -> None:
    """A version described anew on ``first`` is what ``second`` reads next, though it keeps
    its reads of the version and of the list (``api/routing.kept``)."""
    admin = first.api()
    with client_for(second.url, second.token) as on_second:

        def described() -> tuple[str | None, list[str | None]]:
            version = on_second.model_versions_get("default", "rev", "v1")
            listed = on_second.model_versions_list("default", "rev")
            return version.description, [v.description for v in listed]

        before = described()
        assert described() == before  # kept now
        admin.model_versions_update("default", "rev", "v1", {"description": "described anew"})
        honoured(described, ("described anew", ["described anew"]), at_once=at_once)


@pytest.mark.parametrize("backend", [b for b in BACKENDS if b == "postgresql"])
class TestChangesHoldOnTheOtherServer:
    def test_a_reset_token_a_removed_role_and_a_deleted_service_user(
        self, backend: str, servers: tuple[RunningServer, RunningServer]
    ) -> None:
        access_changes_hold(*servers, at_once=False)

    def test_a_new_package_is_what_the_other_server_runs_once_it_is_built(
        self, backend: str, servers: tuple[RunningServer, RunningServer], tmp_path: Path
    ) -> None:
        new_package_holds(*servers, tmp_path, at_once=False)

    def test_a_version_described_anew_is_what_the_other_server_reads(
        self, backend: str, servers: tuple[RunningServer, RunningServer]
    ) -> None:
        new_description_holds(*servers, at_once=False)


@pytest.mark.parametrize("backend", BACKENDS)
class TestChangesHoldOnTheNextRequest:
    """The same changes on one server, which caches what a request resolves: each holds on
    the very next request, with no wait."""

    def test_a_reset_token_a_removed_role_and_a_deleted_service_user(
        self, backend: str, one_server: RunningServer
    ) -> None:
        access_changes_hold(one_server, one_server, at_once=True)

    def test_a_new_package_is_what_the_next_request_runs_once_it_is_built(
        self, backend: str, one_server: RunningServer, tmp_path: Path
    ) -> None:
        new_package_holds(one_server, one_server, tmp_path, at_once=True)

    def test_a_version_described_anew_is_what_the_next_read_gives(
        self, backend: str, one_server: RunningServer
    ) -> None:
        new_description_holds(one_server, one_server, at_once=True)
