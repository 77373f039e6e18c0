"""The estimator behind a tabular model: scikit-learn's IterativeImputer over the numeric
columns of the training dataset.

Each numeric column is modelled from the others, which is what Alchemite's models do with
sparse data: *impute* fills the missing cells of rows and keeps the given ones; *predict*
blanks the target columns (those not flagged in ``descriptorColumns``) and predicts them from
the descriptors. Text columns (any column with a value that is not a number) are left out of
the estimator: impute and predict return the numeric columns only. scikit-learn is imported
when first needed, so a server that never trains does not carry it in memory.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from modelyard.core.data.datasets.csvfiles import ROW
from modelyard.errors import InvalidInput

MAX_ITER = 10


@dataclass
class Fitted:
    """A trained estimator and the columns it knows."""

    columns: list[str]
    numeric: list[str]
    targets: list[str]
    imputer: Any

    def dump(self, out: BinaryIO) -> None:
        import joblib  # type: ignore[import-untyped]

        joblib.dump(self, out)

    @staticmethod
    def load(source: BinaryIO) -> Fitted:
        import joblib

        fitted = joblib.load(source)
        assert isinstance(fitted, Fitted)
        return fitted


@contextmanager
def _quiet() -> Iterator[None]:
    """IterativeImputer warns when it stops at ``max_iter``; that is expected here."""
    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


def _matrix(table: pa.Table, columns: list[str]) -> np.ndarray[Any, Any]:
    if not columns:
        return np.empty((table.num_rows, 0))
    arrays = [pc.fill_null(table.column(c).cast(pa.float64()), np.nan) for c in columns]
    return np.column_stack([a.to_numpy() for a in arrays]).astype(float)


def fit(table: pa.Table, descriptor_flags: list[int]) -> Fitted:
    """Train on a collated dataset (its ROW column first, then the data columns)."""
    columns = [name for name in table.column_names if name != ROW]
    numeric = [c for c in columns if pa.types.is_floating(table.schema.field(c).type)]
    if not numeric:
        raise InvalidInput("the dataset has no numeric columns to train on", field="columnHeaders")
    flags = dict(zip(columns, descriptor_flags, strict=False))
    targets = [c for c in numeric if not flags.get(c, 0)]
    from sklearn.experimental import enable_iterative_imputer  # noqa: F401
    from sklearn.impute import IterativeImputer

    imputer = IterativeImputer(max_iter=MAX_ITER, random_state=0, keep_empty_features=True)
    with _quiet():
        imputer.fit(_matrix(table, numeric))
    return Fitted(columns=columns, numeric=numeric, targets=targets, imputer=imputer)


def rows_of(fitted: Fitted, table: pa.Table) -> pa.Table:
    """Rows to predict or impute, in the model's numeric columns: unknown columns are refused,
    absent ones are missing throughout, text that is not a number is refused naming it."""
    unknown = [c for c in table.column_names if c != ROW and c not in fitted.columns]
    if unknown:
        raise InvalidInput(
            f"data: the model was not trained on the columns {unknown}", field="data"
        )
    arrays: list[pa.Array | pa.ChunkedArray] = [table.column(ROW)]
    for name in fitted.numeric:
        if name not in table.column_names:
            arrays.append(pa.nulls(table.num_rows, pa.float64()))
            continue
        try:
            arrays.append(pc.cast(table.column(name), pa.float64()))
        except pa.ArrowInvalid:
            raise InvalidInput(f"data: column '{name}' must hold numbers", field="data") from None
    return pa.table(arrays, names=[ROW, *fitted.numeric])


def _transform(fitted: Fitted, values: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    with _quiet():
        result: np.ndarray[Any, Any] = fitted.imputer.transform(values)
    return result


def impute(fitted: Fitted, rows: pa.Table) -> pa.Table:
    """The rows with their missing numeric cells filled in, given cells kept."""
    values = _matrix(rows, fitted.numeric)
    filled = np.where(np.isnan(values), _transform(fitted, values), values)
    return _table(rows, fitted.numeric, filled)


def predict(fitted: Fitted, rows: pa.Table) -> pa.Table:
    """The target columns of each row, predicted from its descriptor columns."""
    values = _matrix(rows, fitted.numeric)
    blank = [fitted.numeric.index(c) for c in fitted.targets]
    values[:, blank] = np.nan
    predicted = _transform(fitted, values)[:, blank]
    return _table(rows, fitted.targets, predicted)


def _table(rows: pa.Table, columns: list[str], values: np.ndarray[Any, Any]) -> pa.Table:
    arrays = [rows.column(ROW)] + [pa.array(values[:, i]) for i in range(len(columns))]
    return pa.table(arrays, names=[ROW, *columns])


def to_csv(table: pa.Table, *, row_headers: bool, column_headers: bool) -> str:
    if not row_headers:
        table = table.drop_columns([ROW])
    out = io.BytesIO()
    pacsv.write_csv(table, out, pacsv.WriteOptions(include_header=column_headers))
    return out.getvalue().decode("utf-8")
