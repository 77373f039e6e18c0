"""Pure identity rules: names, passwords, tokens, the Authorization header."""

from __future__ import annotations

import pytest

from modelyard.core.identity import rules
from modelyard.errors import InvalidInput


class TestNames:
    @pytest.mark.parametrize("name", ["a", "project-1", "x" * 64, "a-b-c-9"])
    def test_valid_names_pass_unchanged(self, name: str) -> None:
        assert rules.check_name(name) == name

    @pytest.mark.parametrize(
        ("name", "reason"),
        [
            ("", "empty"),
            ("1abc", "start with a lowercase letter"),
            ("Abc", "lowercase"),
            ("a_b", "dashes"),
            ("a b", "dashes"),
            ("x" * 65, "at most 64"),
        ],
    )
    def test_invalid_names_name_the_field_and_reason(self, name: str, reason: str) -> None:
        with pytest.raises(InvalidInput) as caught:
            rules.check_name(name, field="organization_name")
        assert caught.value.field == "organization_name"
        assert reason in caught.value.message


class TestPasswords:
    def test_policy_lists_every_missing_part(self) -> None:
        with pytest.raises(InvalidInput) as caught:
            rules.check_new_password("short")
        message = caught.value.message
        assert "8 characters" in message
        assert "capital" in message
        assert "number" in message
        assert "symbols" in message

    def test_strong_password_passes(self) -> None:
        assert rules.check_new_password("Str0ng-pass") == "Str0ng-pass"

    def test_hash_verifies_only_the_same_password(self) -> None:
        stored = rules.hash_password("Secret-123")
        assert rules.verify_password("Secret-123", stored)
        assert not rules.verify_password("Secret-124", stored)
        assert not rules.verify_password("Secret-123", None)
        assert stored != rules.hash_password("Secret-123")


class TestTokens:
    def test_tokens_are_random_and_prefixed(self) -> None:
        first, second = rules.new_token(), rules.new_token()
        assert first != second
        assert first.startswith(rules.TOKEN_PREFIX)
        assert len(first) == len(rules.TOKEN_PREFIX) + 40

    def test_hash_is_stable_and_not_the_token(self) -> None:
        token = rules.new_token()
        assert rules.hash_token(token) == rules.hash_token(token)
        assert token not in rules.hash_token(token)

    @pytest.mark.parametrize(
        ("header", "expected"),
        [
            ("Token abc", "abc"),
            ("token abc", "abc"),
            ("Bearer abc", "abc"),
            ("abc", "abc"),
            ("  Token   abc  ", "abc"),
            (None, None),
            ("", None),
            ("Token a b", None),
        ],
    )
    def test_authorization_header_forms(self, header: str | None, expected: str | None) -> None:
        assert rules.parse_authorization(header) == expected
