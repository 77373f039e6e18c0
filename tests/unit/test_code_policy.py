"""Who may deploy code when the machine has no sandbox, and what the server says at start."""

from __future__ import annotations

import uuid

import pytest

from modelyard.core.identity.schemas import Principal
from modelyard.core.serving.sandboxing import CodePolicy, code_policy
from modelyard.errors import PermissionDenied
from modelyard.runtime.environment import build_env
from modelyard.runtime.sandbox import Sandbox, probe
from modelyard.settings import Settings

USER = Principal(user_id=uuid.uuid4(), email="u@example.com", is_admin=False)
ADMIN = Principal(user_id=uuid.uuid4(), email="a@example.com", is_admin=True)


class TestWithoutASandbox:
    def test_a_users_code_is_refused_naming_the_field_and_what_is_missing(self) -> None:
        policy = CodePolicy(Sandbox.off(), "bwrap not found; install them")
        with pytest.raises(PermissionDenied) as caught:
            policy.check_deploy(USER, field="file")
        assert caught.value.field == "file"
        assert "bwrap not found" in str(caught.value)
        assert "no sandbox" in policy.startup_line()

    def test_an_administrators_code_is_accepted(self) -> None:
        CodePolicy(Sandbox.off(), "bwrap not found").check_deploy(ADMIN, field="file")

    def test_the_operator_turning_it_off_accepts_everyone_and_warns(self) -> None:
        policy = code_policy(Settings(sandbox="off"))
        policy.check_deploy(USER, field="body")
        assert not policy.sandbox.enabled
        assert policy.startup_line().startswith("WARNING: MODELYARD_SANDBOX=off")


class TestOnThisMachine:
    def test_the_default_is_the_machines_sandbox_with_the_configured_limits(self) -> None:
        assert probe().sandbox is not None, probe().reason
        policy = code_policy(Settings(sandbox_disk_mb=64, sandbox_processes=32))
        assert policy.sandbox.enabled
        assert (policy.sandbox.limits.disk_mb, policy.sandbox.limits.processes) == (64, 32)
        policy.check_deploy(USER, field="file")
        assert policy.startup_line() == "user code runs sandboxed (bubblewrap, slirp4netns)"


class TestTheBuildEnvironment:
    def test_uv_sees_where_packages_are_but_no_secret_of_the_server(self) -> None:
        env = build_env(
            {
                "PATH": "/usr/bin",
                "PIP_FIND_LINKS": "file:///opt/pypi",
                "UV_INDEX_URL": "https://pypi.example/simple",
                "HTTPS_PROXY": "http://proxy:3128",
                "MODELYARD_DATABASE_URL": "postgresql://u:secret@db/modelyard",
                "MODELYARD_SECRET_KEY": "k",
                "AWS_SECRET_ACCESS_KEY": "s",
                "VIRTUAL_ENV": "/srv/venv",
            }
        )
        assert env == {
            "PATH": "/usr/bin",
            "PIP_FIND_LINKS": "file:///opt/pypi",
            "UV_INDEX_URL": "https://pypi.example/simple",
            "HTTPS_PROXY": "http://proxy:3128",
            "UV_PYTHON_DOWNLOADS": "never",
            "NO_COLOR": "1",
        }
