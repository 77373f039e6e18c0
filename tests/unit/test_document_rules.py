"""Pure rules of Leia jobs: ``model_params`` is always an object, and a job's ``result_type``
names the shape its ``result`` is given; the adapter hands a model ``{}`` when none came."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from modelyard.core.documents import rules
from modelyard.errors import InvalidInput
from modelyard.runtime import document_adapter

ECHO = """
class Echo:
    def __init__(self, base_directory, context):
        self.context = context

    def apply(self, document, model_params):
        return {"document": document, "params": model_params, "got": model_params.get("k")}

    def train(self, documents, model_params):
        self.context["trained_with"] = model_params
"""


class TestModelParams:
    @pytest.mark.parametrize(
        ("value", "literal", "expected"),
        [
            (None, True, {}),
            (None, False, {}),
            ("None", True, {}),
            ("{'k': [1, 2]}", True, {"k": [1, 2]}),
            ('{"k": true}', True, {"k": True}),
            ({"k": "v"}, False, {"k": "v"}),
            ({}, False, {}),
        ],
    )
    def test_an_object_or_nothing_becomes_a_dict(
        self, value: object, literal: bool, expected: dict[str, Any]
    ) -> None:
        assert rules.parse_model_params(value, literal=literal) == expected

    @pytest.mark.parametrize(
        ("value", "literal"),
        [
            ("[1, 2]", True),
            ("5", True),
            ("'text'", True),
            ([1, 2], False),
            (5, False),
            ("{'k': 'v'}", False),
            ({1: "v"}, False),
            ("{1: 'v'}", True),
        ],
    )
    def test_anything_else_is_invalid_and_names_model_params(
        self, value: object, literal: bool
    ) -> None:
        with pytest.raises(InvalidInput, match=r"^model_params: ") as caught:
            rules.parse_model_params(value, literal=literal)
        assert caught.value.field == "model_params"


class TestResultType:
    @pytest.mark.parametrize(
        ("format_type", "documents", "expected"),
        [
            (None, 1, "object"),
            ("", 1, "object"),
            ("classification", 1, "classification"),
            (None, 2, "dict[object]"),
            ("classification", 3, "dict[classification]"),
        ],
    )
    def test_names_one_value_or_a_dict_by_document(
        self, format_type: str | None, documents: int, expected: str
    ) -> None:
        assert rules.result_type(format_type, documents) == expected

    def test_one_document_gives_its_value(self) -> None:
        assert rules.apply_result({"d1": {"words": 2}}, documents=1) == {"words": 2}
        assert rules.apply_result({}, documents=1) is None

    def test_several_documents_give_a_dict_even_when_a_page_range_kept_one(self) -> None:
        both = {"d1": 1, "d2": 2}
        assert rules.apply_result(both, documents=2) == both
        assert rules.apply_result({"d2": 2}, documents=2) == {"d2": 2}
        assert rules.apply_result({}, documents=2) == {}


class TestAdapter:
    @pytest.fixture
    def echo(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> document_adapter.Model:
        module = f"echo_{tmp_path.name.replace('-', '_')}"
        (tmp_path / f"{module}.py").write_text(ECHO)
        monkeypatch.syspath_prepend(str(tmp_path))
        context = {"model_module": module, "model_clazz": "Echo"}
        return document_adapter.Model(str(tmp_path), context)

    def test_hands_an_empty_dict_when_no_params_came(self, echo: document_adapter.Model) -> None:
        for data in (
            {"op": "apply", "document": {"id": "d"}},
            {"op": "apply", "model_params": None},
        ):
            assert echo.request(data)["params"] == {}

    def test_hands_the_params_as_they_came(self, echo: document_adapter.Model) -> None:
        answer = echo.request({"op": "apply", "document": {}, "model_params": {"k": "v"}})
        assert (answer["params"], answer["got"]) == ({"k": "v"}, "v")

    def test_train_gets_an_empty_dict_too(self, echo: document_adapter.Model) -> None:
        echo.request({"op": "train", "documents": []})
        assert echo.model.context["trained_with"] == {}
