"""What every dialect needs from the running server, built once in ``create_app``."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from modelyard.db.engine import SessionFactory
from modelyard.settings import Settings


@dataclass(frozen=True)
class AppContext:
    """Settings and database handles shared by the dialect sub-applications."""

    settings: Settings
    engine: Engine
    sessions: SessionFactory
