"""Pure serving rules: version limits (field rules: ``test_field_rules``)."""

from __future__ import annotations

import pytest

from modelyard.core.serving import rules
from modelyard.core.serving.schemas import VersionCreate
from modelyard.errors import InvalidInput


class TestVersionLimits:
    @pytest.mark.parametrize(
        ("changes", "field"),
        [
            ({"memory_allocation": 255}, "memory_allocation"),
            ({"memory_allocation": 32769}, "memory_allocation"),
            ({"maximum_instances": 0}, "maximum_instances"),
            ({"maximum_instances": 21}, "maximum_instances"),
            ({"minimum_instances": 6}, "minimum_instances"),
            ({"minimum_instances": -1}, "minimum_instances"),
            ({"maximum_idle_time": 9}, "maximum_idle_time"),
            ({"maximum_idle_time": 3601}, "maximum_idle_time"),
        ],
    )
    def test_each_limit_is_named(self, changes: dict[str, int], field: str) -> None:
        with pytest.raises(InvalidInput) as caught:
            rules.check_scaling(VersionCreate(version="v1", **changes))
        assert caught.value.field == field

    def test_defaults_are_valid(self) -> None:
        rules.check_scaling(VersionCreate(version="v1"))

    @pytest.mark.parametrize("language", ["python3.5", "python3.8", "python3.11"])
    def test_languages_accepted(self, language: str) -> None:
        assert rules.check_language(language) == language

    @pytest.mark.parametrize("language", ["python2.7", "python3.4", "ruby", "python3"])
    def test_languages_refused(self, language: str) -> None:
        with pytest.raises(InvalidInput):
            rules.check_language(language)

    @pytest.mark.parametrize("timeout", [0, 3601])
    def test_timeout_bounds(self, timeout: int) -> None:
        with pytest.raises(InvalidInput) as caught:
            rules.check_timeout(timeout)
        assert caught.value.field == "timeout"
