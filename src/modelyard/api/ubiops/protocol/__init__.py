"""Wire models of the UbiOps v2.1 dialect, one module per area of the API.

They describe the JSON the ``ubiops==2.1.0`` client sends and reads.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Wire(BaseModel):
    """Bodies ignore fields they do not know, as the vendor API does."""

    model_config = ConfigDict(extra="ignore")
