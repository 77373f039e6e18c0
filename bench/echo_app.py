"""The baseline: a bare FastAPI echo endpoint, served exactly as ``modelyard serve`` serves.

``src/modelyard/cli/serve.py`` runs ``uvicorn.run(app, host=..., port=..., log_level="warning")``
(one process, uvicorn's automatic loop and HTTP choices); this does the same, so the only
difference in a side-by-side run is what happens inside the request.

Run: ``python bench/echo_app.py --port 8001``; then ``POST /echo`` with a JSON body, or
``GET /echo``.
"""

from __future__ import annotations

import argparse
from typing import Any

import uvicorn
from fastapi import FastAPI, Request

app = FastAPI(title="echo")


@app.post("/echo")
async def echo(request: Request) -> Any:
    """Return the JSON body as it came."""
    return await request.json()


@app.get("/echo")
async def echo_get() -> dict[str, str]:
    """A fixed small document: the reference for the dialects' authenticated reads."""
    return {"echo": "hi"}


def main() -> None:
    """Serve ``app`` with the uvicorn settings of ``modelyard serve``."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    args = parser.parse_args()
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
