"""The registry opens a store by URL scheme, and loads a backend only when its scheme is used."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from modelyard.storage import ArtifactStore, open_store, register_store, registry
from modelyard.storage.local import LocalStore


class TestSchemes:
    def test_a_plain_path_and_a_file_url_open_the_same_local_directory(
        self, tmp_path: Path
    ) -> None:
        plain, url = open_store(str(tmp_path / "a")), open_store(f"file://{tmp_path / 'a'}")
        assert isinstance(plain, LocalStore)
        assert isinstance(url, LocalStore)
        assert plain.root == url.root == (tmp_path / "a").resolve()

    def test_an_unknown_scheme_is_refused_naming_it(self) -> None:
        with pytest.raises(ValueError, match="no artifact store for URL scheme 'gopher'"):
            open_store("gopher://host/path")

    def test_a_registered_scheme_opens_with_its_factory(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(registry, "_FACTORIES", dict(registry._FACTORIES))
        opened: list[str] = []

        def factory(url: str) -> ArtifactStore:
            opened.append(url)
            return LocalStore(tmp_path / "mem")

        register_store("mem", factory)
        assert isinstance(open_store("mem://x"), LocalStore)
        assert opened == ["mem://x"]


class TestLazyBackends:
    def test_opening_a_local_store_does_not_load_the_s3_backend(self, tmp_path: Path) -> None:
        code = (
            "import sys\n"
            "from modelyard.storage import open_store\n"
            f"open_store({str(tmp_path / 'a')!r})\n"
            "print('modelyard.storage.s3' in sys.modules, 'boto3' in sys.modules)\n"
        )
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )
        assert done.stdout.split() == ["False", "False"]
