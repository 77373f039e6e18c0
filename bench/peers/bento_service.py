"""The two models as BentoML services, one worker each.

    bentoml serve bento_service:Noop --port 3000      # POST /echo {"data": "hi"}
    bentoml serve bento_service:LogReg --port 3000    # POST /predict {"features": [[4 floats]]}

``LogReg`` loads ``bench-lr`` from the BentoML model store that ``prepare.py`` filled
(``BENTOML_HOME``).
"""

from __future__ import annotations

from typing import Any

import bentoml


@bentoml.service(workers=1)
class Noop:
    @bentoml.api
    def echo(self, data: Any) -> Any:
        return data


@bentoml.service(workers=1)
class LogReg:
    def __init__(self) -> None:
        self.model = bentoml.sklearn.load_model("bench-lr:latest")

    @bentoml.api
    def predict(self, features: list[list[float]]) -> list[int]:
        return [int(label) for label in self.model.predict(features)]
