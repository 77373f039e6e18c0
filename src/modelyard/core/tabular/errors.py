"""Errors of tabular models, worded for the person who sent the request."""

from __future__ import annotations

from modelyard.errors import Conflict, InvalidInput, NotFound


def model_not_found(model_id: object) -> NotFound:
    return NotFound(f"Model '{model_id}' was not found", field="id")


def no_dataset(model_id: object) -> NotFound:
    return NotFound(f"Model '{model_id}' has no training dataset", field="trainingDatasetId")


def not_trained(model_id: object, status: str) -> Conflict:
    return Conflict(
        f"Model '{model_id}' is {status}: train it before predicting or imputing", field="status"
    )


def headers_clash(missing: list[str], trained: list[str]) -> Conflict:
    return Conflict(
        "the dataset's column headers must begin with the columns the model was trained on "
        f"({trained}); these are missing or out of order: {missing}",
        field="columnHeaders",
    )


def invalid(field: str, reason: str) -> InvalidInput:
    return InvalidInput(f"{field}: {reason}", field=field)
