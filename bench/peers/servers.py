"""How each peer serves each model: its command, environment, and the request wrk sends.

Every framework gets the request its own documentation shows, with the same payload: the
JSON string ``"hi"`` for the no-op model, one iris row of 4 floats for the LogisticRegression.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from deploy import NOOP_MODEL, package_zip
from load import Target

HERE = Path(__file__).resolve().parent
ROW = "[[5.1, 3.5, 1.4, 0.2]]"
FRAMEWORKS = ("bare", "mlflow", "bentoml", "modelyard")
MODELS = ("noop", "lr")
LABELS = {
    "bare": "bare FastAPI (uvloop, httptools)",
    "mlflow": "`mlflow models serve`",
    "bentoml": "BentoML `bentoml serve`",
    "modelyard": "modelyard (direct request)",
}
LR_MODEL = """\
import json
import os
import pickle


class Model:
    def __init__(self, base_directory, context):
        with open(os.path.join(base_directory, "lr.pkl"), "rb") as handle:
            self.model = pickle.load(handle)

    def request(self, data):
        return json.dumps(self.model.predict(json.loads(data)).tolist())
"""
MODELYARD_LANGUAGE = "python3.11"


@dataclass(frozen=True)
class Peer:
    """One server of one framework for one model, and the request that measures it."""

    framework: str
    model: str
    command: list[str]
    env: dict[str, str]
    port: int
    path: str
    body: str
    expect: str
    auth: str = ""
    headers: tuple[str, ...] = field(default=())

    @property
    def key(self) -> str:
        return f"{self.framework}-{self.model}"

    def target(self) -> Target:
        url = f"http://127.0.0.1:{self.port}{self.path}"
        return Target(self.key, url, self.auth, self.expect, body=self.body, headers=self.headers)


def peer_env(venv: Path, **extra: str) -> dict[str, str]:
    """Our environment without modelyard's settings or source, the venv's bin first on PATH."""
    env = {
        k: v for k, v in os.environ.items() if not k.startswith("MODELYARD_") and k != "PYTHONPATH"
    }
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["VIRTUAL_ENV"] = str(venv)
    return {**env, **extra}


def bare(model: str, venv: Path, artifacts: Path, port: int) -> Peer:
    command = [str(venv / "bin" / "python"), str(HERE / "bare_app.py"), "--port", str(port)]
    env = peer_env(venv)
    if model == "noop":
        return Peer("bare", model, [*command, "--model", "noop"], env, port, "/noop", '"hi"', "hi")
    command += ["--model", "lr", "--pickle", str(artifacts / "bare" / "lr.pkl")]
    return Peer("bare", model, command, env, port, "/predict", ROW, "[0]")


def mlflow(model: str, venv: Path, artifacts: Path, port: int) -> Peer:
    command = [str(venv / "bin" / "mlflow"), "models", "serve", "-m"]
    command += [str(artifacts / "mlflow" / model), "-h", "127.0.0.1", "-p", str(port)]
    command += ["--env-manager", "local", "-w", "1"]
    body = '{"inputs": "hi"}' if model == "noop" else f'{{"inputs": {ROW}}}'
    expect = "hi" if model == "noop" else "[0]"
    return Peer("mlflow", model, command, peer_env(venv), port, "/invocations", body, expect)


def bentoml(model: str, venv: Path, artifacts: Path, port: int) -> Peer:
    service = "bento_service:Noop" if model == "noop" else "bento_service:LogReg"
    command = [str(venv / "bin" / "bentoml"), "serve", service, "--working-dir", str(HERE)]
    command += ["--host", "127.0.0.1", "--port", str(port)]
    env = peer_env(venv, BENTOML_HOME=str(artifacts / "bentoml"), BENTOML_DO_NOT_TRACK="True")
    if model == "noop":
        return Peer("bentoml", model, command, env, port, "/echo", '{"data": "hi"}', "hi")
    return Peer("bentoml", model, command, env, port, "/predict", f'{{"features": {ROW}}}', "[0]")


def modelyard_package(model: str, artifacts: Path, requirement: str) -> bytes:
    """The deployment package: the no-op, or the pickled LR with scikit-learn to install."""
    if model == "noop":
        return package_zip(model=NOOP_MODEL)
    pickled = (artifacts / "bare" / "lr.pkl").read_bytes()
    return package_zip(f"{requirement}\n", model=LR_MODEL, files={"lr.pkl": pickled})


def modelyard(
    model: str, python: str, data_dir: Path, token: str, port: int, env: dict[str, str]
) -> Peer:
    """``modelyard serve`` on a data directory where ``model`` is deployed (version v1)."""
    command = [python, "-m", "modelyard", "serve", "--port", str(port), "--data-dir", str(data_dir)]
    path = f"/v2.1/projects/default/models/{model}/versions/v1/request"
    body = '"hi"' if model == "noop" else f'"{ROW}"'
    return Peer(
        "modelyard", model, command, env, port, path, body, '"success":true', f"Token {token}"
    )
