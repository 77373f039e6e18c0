"""What every dialect needs from the running server, built once in ``create_app``."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from modelyard.core.secrets import SecretBox
from modelyard.core.serving.deployer import Serving
from modelyard.db.engine import SessionFactory
from modelyard.db.health import Health
from modelyard.settings import Settings
from modelyard.storage import ArtifactStore


@dataclass(frozen=True)
class AppContext:
    """Settings, database handles and the artifact store shared by the dialect sub-applications."""

    settings: Settings
    engine: Engine
    sessions: SessionFactory
    store: ArtifactStore
    serving: Serving
    box: SecretBox
    health: Health
