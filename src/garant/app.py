"""The running installation: settings, database engine and clock, shared by every entrypoint."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from garant.clock import Clock, SandboxClock, SystemClock
from garant.settings import Settings
from garant.store.db import make_engine

if TYPE_CHECKING:
    from garant.store.blobs import BlobStore


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

    @cached_property
    def blobs(self) -> BlobStore:
        """Where evidence files live; built on first use, so a missing S3 setting only
        matters to an installation that stores evidence."""
        from garant.store.blobs import make_blob_store

        return make_blob_store(self.settings)
