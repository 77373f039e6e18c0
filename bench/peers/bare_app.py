"""The bare reference: one FastAPI endpoint per model, served by uvicorn with uvloop and
httptools, one process.

    python bare_app.py --model noop --port 8001            # POST /noop: returns the JSON body
    python bare_app.py --model lr --pickle lr.pkl --port 8001  # POST /predict: [[4 floats]]
"""

from __future__ import annotations

import argparse
import pickle
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI, Request


def noop_app() -> FastAPI:
    app = FastAPI(title="bare noop")

    @app.post("/noop")
    async def noop(request: Request) -> Any:
        return await request.json()

    return app


def lr_app(pickle_path: Path) -> FastAPI:
    model = pickle.loads(pickle_path.read_bytes())  # noqa: S301 - our own file, prepare.py
    app = FastAPI(title="bare lr")

    @app.post("/predict")
    async def predict(request: Request) -> Any:
        return {"predictions": model.predict(await request.json()).tolist()}

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", choices=["noop", "lr"], required=True)
    parser.add_argument("--pickle", type=Path)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    app = noop_app() if args.model == "noop" else lr_app(args.pickle)
    uvicorn.run(
        app, host="127.0.0.1", port=args.port, loop="uvloop", http="httptools", log_level="warning"
    )


if __name__ == "__main__":
    main()
