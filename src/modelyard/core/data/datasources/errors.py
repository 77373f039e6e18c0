"""Errors of sample datasets and datasources, worded for the person who sent the request.

The categories are the shared domain errors; the subclasses let a dialect tell a dataset that
is missing from a datasource that cannot be reached (Lightly has a code for each).
"""

from __future__ import annotations

from modelyard.errors import Conflict, InvalidInput, NotFound


class DatasetUnknown(NotFound):
    """No dataset with this id in the caller's project."""


class DatasetNameTaken(Conflict):
    """Another dataset of the project has this name."""


class DatasourceInvalid(InvalidInput):
    """The datasource configuration is malformed, or its store cannot be read."""


class DatasourceCredentialsRefused(DatasourceInvalid):
    """The store refused the configured credentials."""


class DatasourceIllegal(InvalidInput):
    """The action makes no sense for this datasource (listing a dataset without one)."""


def invalid(field: str, reason: str) -> InvalidInput:
    return InvalidInput(f"{field}: {reason}", field=field)


def invalid_config(field: str, reason: str) -> DatasourceInvalid:
    return DatasourceInvalid(f"{field}: {reason}", field=field)


def dataset_unknown(dataset_id: str) -> DatasetUnknown:
    return DatasetUnknown(f"Dataset '{dataset_id}' was not found", field="datasetId")


def dataset_name_taken(name: str) -> DatasetNameTaken:
    return DatasetNameTaken(f"A dataset named '{name}' already exists", field="name")


def unreachable(reason: str) -> DatasourceInvalid:
    return DatasourceInvalid(f"The datasource cannot be read: {reason}", field="datasource")


def credentials_refused(reason: str) -> DatasourceCredentialsRefused:
    return DatasourceCredentialsRefused(
        f"The datasource refused its credentials: {reason}", field="datasource"
    )


def no_store(dataset_id: str) -> DatasourceIllegal:
    return DatasourceIllegal(
        f"Dataset '{dataset_id}' has no external datasource (type LIGHTLY) to list",
        field="datasource",
    )
