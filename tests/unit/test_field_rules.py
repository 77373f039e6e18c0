"""Pure field rules: field definitions, and request data against fields."""

from __future__ import annotations

import pytest

from modelyard.core.fields import rules
from modelyard.core.fields.schemas import FieldSpec
from modelyard.errors import InvalidInput

FIELDS = [
    FieldSpec(name="n", data_type="int"),
    FieldSpec(name="x", data_type="double"),
    FieldSpec(name="s", data_type="string"),
    FieldSpec(name="b", data_type="bool"),
    FieldSpec(name="t", data_type="timestamp"),
    FieldSpec(name="ai", data_type="array_int"),
    FieldSpec(name="ad", data_type="array_double"),
    FieldSpec(name="as", data_type="array_string"),
    FieldSpec(name="f", data_type="blob"),
]
TYPES = {spec.name: spec.data_type for spec in FIELDS}
GOOD = {
    "n": 1,
    "x": 1.5,
    "s": "a",
    "b": True,
    "t": "2024-01-01T00:00:00Z",
    "ai": [1, 2],
    "ad": [1, 2.5],
    "as": ["a"],
    "f": "0b6f6a1e-5d7c-4f1f-9a43-0f6f0a3a1b2c",
}


class TestFieldDefinitions:
    def test_plain_sides_take_no_fields(self) -> None:
        with pytest.raises(InvalidInput) as caught:
            rules.check_fields("input", "plain", [FieldSpec(name="a", data_type="int")])
        assert caught.value.field == "input_fields"

    def test_unknown_data_type_is_named(self) -> None:
        with pytest.raises(InvalidInput) as caught:
            rules.check_fields("output", "structured", [FieldSpec(name="a", data_type="float")])
        assert caught.value.field == "output_fields[0].data_type"
        assert "'float'" in caught.value.message

    def test_duplicate_field_names_are_refused(self) -> None:
        twice = [FieldSpec(name="a", data_type="int"), FieldSpec(name="a", data_type="string")]
        with pytest.raises(InvalidInput, match="defined twice"):
            rules.check_fields("input", "structured", twice)

    @pytest.mark.parametrize("io_type", ["blob", "json", ""])
    def test_only_structured_or_plain(self, io_type: str) -> None:
        with pytest.raises(InvalidInput) as caught:
            rules.check_io(io_type, "plain")
        assert caught.value.field == "input_type"


class TestRequestData:
    def test_every_type_accepts_its_values(self) -> None:
        assert rules.data_problems("structured", FIELDS, GOOD, side="input") == []

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("n", 1.5),
            ("n", True),
            ("x", "1"),
            ("x", float("nan")),
            ("s", 3),
            ("b", 1),
            ("t", "yesterday"),
            ("ai", [1, "2"]),
            ("ad", "1,2"),
            ("as", [1]),
            ("f", ""),
        ],
    )
    def test_mistyped_values_are_named(self, field: str, value: object) -> None:
        problems = rules.data_problems("structured", FIELDS, {**GOOD, field: value}, side="input")
        expected = rules.EXPECTED[TYPES[field]]
        assert problems == [f"field '{field}' must be {expected}"]

    def test_missing_and_extra_fields_are_listed(self) -> None:
        data = {k: v for k, v in GOOD.items() if k != "n"} | {"zz": 1}
        assert rules.data_problems("structured", FIELDS, data, side="input") == [
            "missing field 'n'",
            "unknown field 'zz'",
        ]

    def test_plain_must_be_a_string(self) -> None:
        assert rules.data_problems("plain", [], "text", side="input") == []
        assert rules.data_problems("plain", [], {"a": 1}, side="output") == [
            "plain output must be a string"
        ]

    def test_check_input_raises_with_all_problems(self) -> None:
        with pytest.raises(InvalidInput) as caught:
            rules.check_input("structured", FIELDS, {"n": "x"})
        assert caught.value.field == "data"
        assert "missing field 'x'" in caught.value.message
        assert "field 'n' must be an integer" in caught.value.message
