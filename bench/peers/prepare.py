"""Train the LogisticRegression and save both models in one framework's own format.

Run by ``run.py`` with the interpreter of that framework's virtual environment, so that each
framework writes (and later reads) its models with its own libraries::

    python prepare.py {bare,mlflow,bentoml} OUT_DIR

The LogisticRegression is the same everywhere: iris (bundled with scikit-learn: 150 rows,
4 features), a fixed seed, the same scikit-learn release in every environment.

- bare: ``lr.pkl`` (pickle), which modelyard's deployment package carries too;
- mlflow: ``noop/`` (a pyfunc model that returns its input) and ``lr/`` (the sklearn flavor);
- bentoml: ``bench-lr`` in the BentoML model store (``BENTOML_HOME``), through its sklearn
  module; the no-op service needs no model.
"""

from __future__ import annotations

import pickle
import sys
from pathlib import Path
from typing import Any

from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

SEED = 0


def train() -> LogisticRegression:
    features, labels = load_iris(return_X_y=True)
    return LogisticRegression(max_iter=1000, random_state=SEED).fit(features, labels)


def save_bare(model: LogisticRegression, out: Path) -> None:
    (out / "lr.pkl").write_bytes(pickle.dumps(model))


def save_mlflow(model: LogisticRegression, out: Path) -> None:
    import mlflow.pyfunc
    import mlflow.sklearn

    class Noop(mlflow.pyfunc.PythonModel):  # type: ignore[misc]
        """Returns its input (pickled by value, as it lives in ``__main__``)."""

        def predict(self, context: Any, model_input: Any, params: Any = None) -> Any:
            return model_input

    mlflow.pyfunc.save_model(str(out / "noop"), python_model=Noop())
    mlflow.sklearn.save_model(model, str(out / "lr"))


def save_bentoml(model: LogisticRegression, out: Path) -> None:
    import bentoml

    bentoml.sklearn.save_model("bench-lr", model)


def main() -> None:
    framework, out = sys.argv[1], Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    savers = {"bare": save_bare, "mlflow": save_mlflow, "bentoml": save_bentoml}
    savers[framework](train(), out)


if __name__ == "__main__":
    main()
