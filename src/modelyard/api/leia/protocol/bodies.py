"""Wire bodies of the Leia dialect (``ApplyBody``, ``TrainBody``, ``LoginBody``). Responses are
the core's schemas, whose field names are Leia's. ``model_params`` is taken as sent and checked
by the core's rule, so a body and the query string are refused alike."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class Body(BaseModel):
    model_config = ConfigDict(extra="ignore")


class LoginBody(Body):
    api_key: str


class ApplyBody(Body):
    block_processing: bool | None = None
    callback_headers: dict[str, Any] | None = None
    callback_url: str | None = None
    execute_after_id: str | None = None
    format_type: str | None = None
    model_params: Any = None
    page_range: str | None = None
    tag: str | None = None


class TrainBody(Body):
    callback_headers: dict[str, Any] | None = None
    callback_url: str | None = None
    documents_tag: str | None = None
    execute_after_id: str | None = None
    model_module: str | None = None
    model_name: str | None = None
    model_params: Any = None


class ApplicationBody(Body):
    application_name: str
    application_type: str = "developer"
    email: str
    first_name: str
    last_name: str
    default_job_callback_url: str | None = None
