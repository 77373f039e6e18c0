"""Celery mode refuses to start without what a cluster needs, and the embedded default loads no
Celery at all."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from modelyard.core.cluster.service import check_settings
from modelyard.errors import InvalidInput
from modelyard.settings import Settings


def cluster_settings(data_dir: Path) -> Settings:
    """Everything celery mode needs set (the values are never connected to here)."""
    return Settings(
        data_dir=data_dir,
        executor="celery",
        database_url="postgresql+psycopg://h/db",
        storage_url="s3://bucket/prefix",
        broker_url="amqp://guest:guest@127.0.0.1:5672//",
        secret_key="k",
    )


class TestCeleryModeRefusesToStart:
    def test_on_sqlite_with_a_local_store_it_names_what_to_set(self, tmp_path: Path) -> None:
        with pytest.raises(InvalidInput) as refused:
            check_settings(Settings(data_dir=tmp_path, executor="celery"))
        message = refused.value.message
        for setting in (
            "MODELYARD_DATABASE_URL",
            "MODELYARD_STORAGE_URL",
            "MODELYARD_BROKER_URL",
            "MODELYARD_SECRET_KEY",
        ):
            assert setting in message

    def test_with_everything_set_it_starts(self, tmp_path: Path) -> None:
        check_settings(cluster_settings(tmp_path))

    def test_with_kombu_already_imported_it_starts(self, tmp_path: Path) -> None:
        # kombu swaps its module object for one without __spec__ when imported; the check
        # must not trip over it (the full suite imports kombu before this file runs)
        import kombu  # noqa: F401

        assert "kombu" in sys.modules
        check_settings(cluster_settings(tmp_path))

    def test_with_celery_missing_it_says_how_to_install_it(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setitem(sys.modules, "celery", None)  # as if it were not installed
        with pytest.raises(InvalidInput) as refused:
            check_settings(cluster_settings(tmp_path))
        assert "pip install modelyard" in refused.value.message
        assert "celery missing" in refused.value.message

    def test_the_local_default_needs_none_of_it(self, tmp_path: Path) -> None:
        check_settings(Settings(data_dir=tmp_path))

    def test_modelyard_serve_refuses_with_the_message_and_exit_code_2(self, tmp_path: Path) -> None:
        done = subprocess.run(
            [sys.executable, "-m", "modelyard", "serve", "--data-dir", str(tmp_path)],
            env={"MODELYARD_EXECUTOR": "celery", "PATH": "/usr/bin:/bin"},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 2
        assert "set MODELYARD_DATABASE_URL to a PostgreSQL URL" in done.stderr


class TestTheDefaultPath:
    def test_serving_with_the_local_executor_imports_no_celery(self, tmp_path: Path) -> None:
        """What ``modelyard serve`` runs by default (its command module, the server it makes,
        its lifespan with the background started and a request answered) in a fresh
        interpreter."""
        script = textwrap.dedent(
            f"""
            import sys
            from fastapi.testclient import TestClient
            from modelyard.cli import main, serve
            from modelyard.cli.common import migrated
            from modelyard.settings import Settings

            settings = Settings(data_dir={str(tmp_path)!r})
            migrated(settings)
            with TestClient(serve.create_server(settings)) as client:
                assert client.get("/v2.1/status").status_code == 200
            loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("celery", "kombu"))
            print("LOADED", loaded)
            assert loaded == [], loaded
            """
        )
        done = subprocess.run(
            [sys.executable, "-c", script],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            env={"PATH": "/usr/bin:/bin"},
        )
        assert done.returncode == 0, done.stderr[-2000:]
        assert "LOADED []" in done.stdout
