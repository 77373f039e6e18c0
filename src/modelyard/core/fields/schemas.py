"""Schemas of field definitions."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class FieldSpec(BaseModel):
    """One input or output field of a model (or a pipeline, or a connector)."""

    model_config = ConfigDict(from_attributes=True)

    name: str
    data_type: str
