"""A second tenant's model, deployed through the ``ubiops==2.1.0`` client, looks around from
inside its sandbox: every read, write and signal aimed at the server or the first tenant fails,
while its own package, temp dir, environment variables and request blob work; a fork bomb, a
memory hog and a disk filler each end their request with a clear error and the server, and the
first tenant's model, keep answering."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import ubiops

from tests.support.packages import model_zip
from tests.support.server import RunningServer
from tests.support.ubiops import client_for, unique

pytestmark = pytest.mark.slow

PROBE_MODEL = """
import json
import os
import socket


def attempt(action):
    try:
        result = action()
    except Exception as error:
        return "refused: " + type(error).__name__
    return "ALLOWED: " + str(result)[:80]


def read(path):
    with open(path, "rb") as handle:
        return handle.read(64)


def write(path):
    with open(path, "w") as handle:
        handle.write("owned")
    return path


def connect(port):
    with socket.create_connection(("127.0.0.1", port), timeout=2):
        return port


class Model:
    def __init__(self, base_directory, context):
        self.base_directory = base_directory

    def request(self, data):
        targets = json.loads(data["targets"])
        report = {}
        for name, path in targets["read"].items():
            report["read " + name] = attempt(lambda: read(path))
        for name, path in targets["list"].items():
            report["list " + name] = attempt(lambda: os.listdir(path))
        pids = [int(entry) for entry in os.listdir("/proc") if entry.isdigit()]
        for name, path in targets["write"].items():
            report["write " + name] = attempt(lambda: write(path))
        report["kill server"] = attempt(lambda: os.kill(targets["server_pid"], 0))
        for port in targets["ports"]:
            report["connect %d" % port] = attempt(lambda: connect(port))
        report["environment"] = sorted(os.environ)
        own = {
            "package": read(os.path.join(self.base_directory, "model.py"))[:6].decode(),
            "tmp": write(os.path.join(os.environ["TMPDIR"], "mine.txt")),
            "secret": os.environ.get("MY_SECRET"),
            "blob": read(data["file"]).decode(),
            "uid": os.getuid(),
            "pids": pids,
        }
        return {"report": json.dumps(report), "own": json.dumps(own)}
"""

HOSTILE_MODEL = """
import os


class Model:
    def __init__(self, base_directory, context):
        pass

    def request(self, data):
        if data == "fork":
            children = []
            while True:
                pid = os.fork()
                if pid == 0:
                    import time
                    time.sleep(30)
                    os._exit(0)
                children.append(pid)
        if data == "memory":
            hog = []
            while True:
                hog.append(bytearray(64 * 1024 * 1024))
        if data == "disk":
            with open(os.path.join(os.environ["TMPDIR"], "filler"), "wb") as out:
                while True:
                    out.write(b"x" * (1024 * 1024))
        return "calm"
"""


@dataclass
class Tenants:
    first: str
    second: str
    robot: ubiops.CoreApi


def wait_available(api: ubiops.CoreApi, project: str, model: str) -> None:
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        version = api.model_versions_get(project, model, "v1")
        if version.status in ("available", "failed"):
            assert version.status == "available", version.error_message
            return
        time.sleep(0.3)
    raise AssertionError(f"{model} is still building")


def deploy(api: ubiops.CoreApi, project: str, model: ubiops.ModelCreate, package: Path) -> None:
    api.models_create(project, model)
    version = ubiops.ModelVersionCreate(version="v1", language="python3.8", memory_allocation=512)
    api.model_versions_create(project, model.name, version)
    api.model_versions_file_upload(project, model.name, "v1", file=str(package))
    wait_available(api, project, model.name)


@pytest.fixture
def tenants(api: ubiops.CoreApi, server: RunningServer, tmp_path: Path) -> Iterator[Tenants]:
    """The first tenant (the administrator) with an echo model, a secret and a blob; the second
    an organization of its own whose service user (no administrator) deploys code."""
    first, second = unique("victim"), unique("tenant")
    api.projects_create(ubiops.ProjectCreate(name=first, organization_name="default"))
    organization = unique("org")
    api.organizations_create(
        ubiops.OrganizationCreate(
            name=organization, subscription="enterprise", subscription_agreed=True
        )
    )
    api.projects_create(ubiops.ProjectCreate(name=second, organization_name=organization))
    echo = ubiops.ModelCreate(name="echo", input_type="plain", output_type="plain")
    deploy(api, first, echo, model_zip(tmp_path / "echo.zip"))
    robot_user = api.service_users_create(second, ubiops.ServiceUserCreate(name="deployer"))
    api.role_assignments_create(
        second, ubiops.RoleAssignmentCreate(user_id=robot_user.id, role="project-admin")
    )
    with client_for(server.url, robot_user.token) as robot:
        yield Tenants(first, second, robot)
    api.projects_delete(first)
    api.projects_delete(second)


def targets(server: RunningServer) -> dict[str, object]:
    data = server.data_dir.resolve()
    packages = [
        path
        for path in (data / "packages").rglob("model.py")
        if "self.context = context" in path.read_text()
    ]
    artifacts = sorted(p for p in (data / "artifacts").rglob("*") if p.is_file())
    assert packages, "the first tenant's echo package"
    assert artifacts
    read = {
        "secret key": str(data / "secret.key"),
        "database": str(data / "modelyard.db"),
        "server environ": f"/proc/{server.process.pid}/environ",
        "other package": str(packages[0]),
        "other artifact": str(artifacts[0]),
        "shadow": "/etc/shadow",
    }
    return {
        "read": read,
        "list": {"artifacts": str(data / "artifacts"), "packages": str(data / "packages")},
        "write": {"data dir": str(data / "owned.txt"), "other package": str(packages[0])},
        "server_pid": server.process.pid,
        "ports": [5432, 3306, 6379, 5672],
    }


class TestASecondTenantsModel:
    def test_reads_writes_and_signals_nothing_of_the_server_or_the_first_tenant(
        self, api: ubiops.CoreApi, server: RunningServer, tenants: Tenants, tmp_path: Path
    ) -> None:
        robot, project = tenants.robot, tenants.second
        probe = ubiops.ModelCreate(
            name="probe",
            input_type="structured",
            output_type="structured",
            input_fields=[
                ubiops.ModelInputFieldCreate(name="targets", data_type="string"),
                ubiops.ModelInputFieldCreate(name="file", data_type="blob"),
            ],
            output_fields=[
                ubiops.ModelOutputFieldCreate(name="report", data_type="string"),
                ubiops.ModelOutputFieldCreate(name="own", data_type="string"),
            ],
        )
        robot.models_create(project, probe)
        version = ubiops.ModelVersionCreate(version="v1", language="python3.8")
        robot.model_versions_create(project, "probe", version)
        robot.model_version_environment_variables_create(
            project,
            "probe",
            "v1",
            ubiops.EnvironmentVariableCreate(name="MY_SECRET", value="s3cret", secret=True),
        )
        package = model_zip(tmp_path / "probe.zip", PROBE_MODEL)
        robot.model_versions_file_upload(project, "probe", "v1", file=str(package))
        wait_available(robot, project, "probe")
        blob_path = tmp_path / "input.txt"
        blob_path.write_text("my own blob")
        blob = robot.blobs_create(project, file=str(blob_path))
        data = {"targets": json.dumps(targets(server)), "file": blob.id}
        result = robot.model_requests_create(project, "probe", "v1", data).result

        report = json.loads(result["report"])
        environment = report.pop("environment")
        listed = report.pop("list packages")  # the parents of its own bind mounts, at most
        other_version = Path(targets(server)["read"]["other package"]).parts[-4]  # type: ignore[index]
        assert other_version not in listed
        allowed = {name: outcome for name, outcome in report.items() if "ALLOWED" in outcome}
        assert allowed == {}
        assert len(report) == 6 + 1 + 2 + 1 + 4
        assert not [name for name in environment if name.startswith("MODELYARD_")]
        assert "MY_SECRET" in environment
        own = json.loads(result["own"])
        assert own["package"] == "\nimpor"
        assert own["tmp"].endswith("mine.txt")
        assert own["secret"] == "s3cret"
        assert own["blob"] == "my own blob"
        assert own["uid"] != 0
        assert server.process.pid not in own["pids"]
        assert max(own["pids"]) < 100  # a PID namespace of its own
        assert api.model_requests_create(tenants.first, "echo", "v1", "still here").result == (
            "still here"
        )

    def test_a_fork_bomb_a_memory_hog_and_a_disk_filler_end_only_their_request(
        self, api: ubiops.CoreApi, tenants: Tenants, tmp_path: Path
    ) -> None:
        robot, project = tenants.robot, tenants.second
        hostile = ubiops.ModelCreate(name="hostile", input_type="plain", output_type="plain")
        deploy(robot, project, hostile, model_zip(tmp_path / "h.zip", HOSTILE_MODEL))
        errors = {}
        for attack in ("fork", "memory", "disk"):
            request = robot.model_requests_create(project, "hostile", "v1", attack, timeout=60)
            assert not request.success
            errors[attack] = request.error_message
            assert api.model_requests_create(tenants.first, "echo", "v1", attack).result == attack
        assert "BlockingIOError" in errors["fork"]
        assert "memory limit of 512 MB" in errors["memory"]
        assert "disk limit" in errors["disk"] or "File too large" in errors["disk"]
        assert robot.model_requests_create(project, "hostile", "v1", "hello").result == "calm"
