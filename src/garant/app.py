"""The running installation: settings, database engine and clock, shared by every entrypoint."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine

from garant.clock import Clock, SandboxClock, SystemClock
from garant.settings import Settings
from garant.store.db import make_engine


@dataclass
class Garant:
    settings: Settings
    engine: Engine
    clock: Clock = field(default_factory=SystemClock)

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> Garant:
        settings = settings or Settings()
        engine = make_engine(settings.database_url)
        clock: Clock = SandboxClock(engine) if settings.sandbox else SystemClock()
        return cls(settings=settings, engine=engine, clock=clock)
