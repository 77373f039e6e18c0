"""Secrets sealed at rest."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from modelyard.core.secrets import KEY_FILE, SecretBox, load_key, secret_box
from modelyard.settings import Settings


class TestSecretBox:
    def test_sealed_value_hides_the_secret_and_opens_again(self) -> None:
        box = SecretBox(Fernet.generate_key())
        sealed = box.seal("hunter2")
        assert "hunter2" not in sealed
        assert box.open(sealed) == "hunter2"
        assert box.seal("hunter2") != sealed

    def test_another_key_cannot_open_it(self) -> None:
        sealed = SecretBox(Fernet.generate_key()).seal("hunter2")
        with pytest.raises(ValueError, match="secret key"):
            SecretBox(Fernet.generate_key()).open(sealed)


class TestKeys:
    def test_key_file_is_made_once_private_and_reused(self, tmp_path: Path) -> None:
        settings = Settings(data_dir=tmp_path)
        first = load_key(settings)
        assert stat.S_IMODE((tmp_path / KEY_FILE).stat().st_mode) == 0o600
        assert load_key(settings) == first
        assert secret_box(settings).open(secret_box(settings).seal("x")) == "x"

    def test_the_setting_wins_over_the_file(self, tmp_path: Path) -> None:
        key = Fernet.generate_key().decode()
        assert load_key(Settings(data_dir=tmp_path, secret_key=key)) == key
        assert not (tmp_path / KEY_FILE).exists()
