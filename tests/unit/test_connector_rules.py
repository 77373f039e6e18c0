"""Pure rules of connectors: configurations against parameters, sealing, fields, messages."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from modelyard.core.data.connectors import rules
from modelyard.core.data.connectors.kinds import find_kind
from modelyard.core.data.connectors.kinds.base import Param
from modelyard.core.fields.schemas import FieldSpec
from modelyard.core.secrets import SecretBox
from modelyard.errors import InvalidInput

PARAMS = (
    Param("host", "Host", "", r"^\S+$"),
    Param("port", "Port", "", r"^\d+$", default="5432"),
    Param("password", "Password", "", r"^.*$", default="", protected=True),
)


class TestCleanConfiguration:
    def test_defaults_fill_in_and_numbers_become_text(self) -> None:
        values = rules.clean_configuration("pg", PARAMS, {"host": "h", "port": 6543})
        assert values == {"host": "h", "port": "6543", "password": ""}

    def test_none_counts_as_not_given(self) -> None:
        with pytest.raises(InvalidInput) as caught:
            rules.clean_configuration("pg", PARAMS, {"host": None})
        assert caught.value.field == "configuration.host"

    def test_the_first_unknown_parameter_is_named_with_the_expected_ones(self) -> None:
        with pytest.raises(InvalidInput) as caught:
            rules.clean_configuration("pg", PARAMS, {"host": "h", "zz": 1, "aa": 2})
        assert caught.value.field == "configuration.aa"
        assert "expected: host, port, password" in caught.value.message


class TestSealing:
    def test_only_protected_values_are_sealed_and_shown_as_none(self) -> None:
        box = SecretBox(Fernet.generate_key())
        stored = rules.seal(PARAMS, {"host": "h", "port": "1", "password": "pw"}, box)
        assert stored["host"] == "h"
        assert stored["password"] != "pw"
        assert rules.masked(PARAMS, stored) == {"host": "h", "port": "1", "password": None}
        assert rules.unseal(PARAMS, stored, box)["password"] == "pw"

    def test_a_value_sealed_with_another_key_opens_as_none(self) -> None:
        stored = rules.seal(PARAMS, {"password": "pw"}, SecretBox(Fernet.generate_key()))
        assert rules.unseal(PARAMS, stored, SecretBox(Fernet.generate_key())) == {"password": None}

    def test_merge_keeps_old_values_under_the_given_ones(self) -> None:
        merged = rules.merge({"host": "h", "password": None}, {"port": "1", "host": None})
        assert merged == {"host": "h", "port": "1"}


class TestFields:
    def test_blob_connectors_get_the_blob_field(self) -> None:
        kind = find_kind("aws_s3")
        assert kind is not None
        assert rules.check_input_fields(kind, []) == [FieldSpec(name="blob", data_type="blob")]

    def test_structured_fields_are_named_once(self) -> None:
        kind = find_kind("postgresql")
        assert kind is not None
        twice = [FieldSpec(name="a", data_type="int"), FieldSpec(name="a", data_type="int")]
        with pytest.raises(InvalidInput) as caught:
            rules.check_input_fields(kind, twice)
        assert caught.value.field == "input_fields[1].name"


def test_error_messages_are_clipped_to_500_characters() -> None:
    assert len(rules.clip("x" * 900)) == rules.ERROR_MAX
    assert rules.clip("short") == "short"
