"""Following the model registry: "supportbot" always means the active model version.

Every few seconds one cheap query asks which version is active. When that changes (a promote or
a rollback), the new version's adapter is loaded under the version's name and the alias points
at it; the previous version's adapter is unloaded once its running requests are done. The base
model cannot change without a restart: a version on another base is reported, not served.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from supportbot.serving.engine import Engine

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ActiveVersion:
    name: str
    base_model: str
    adapter_path: str | None


def read_active(sessions: sessionmaker[Session]) -> ActiveVersion | None:
    from supportbot.core import store

    with sessions() as session:
        version = store.active_model_version(session)
        if version is None:
            return None
        return ActiveVersion(version.name, version.base_model, version.adapter_path)


def same_model(a: str, b: str | None) -> bool:
    if b is None:
        return False
    if a == b:
        return True
    pa, pb = Path(a), Path(b)
    return pa.exists() and pb.exists() and pa.resolve() == pb.resolve()


class RegistryWatcher:
    """Points ``alias`` at the registry's active model version, checking every ``interval`` seconds."""

    def __init__(
        self,
        engine: Engine,
        sessions: sessionmaker[Session],
        *,
        alias: str = "supportbot",
        interval: float = 5.0,
    ) -> None:
        self.engine = engine
        self.sessions = sessions
        self.alias = alias
        self.interval = interval
        self.current: str | None = None  # the version "supportbot" serves
        self._loaded: str | None = None  # the adapter this watcher loaded for it
        self.refused: str | None = None  # a version that cannot be served (reported once)
        self.problem: str | None = None  # why the last look at the registry failed, if it did
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def check(self) -> bool:
        """Follow the registry once; True when "supportbot" now points somewhere else."""
        active = read_active(self.sessions)
        if active is None:
            if self.current is None and self.alias not in self.engine.aliases():
                self.engine.set_alias(self.alias, self.engine.base_id)
            return False
        if active.name == self.current or active.name == self.refused:
            return False
        if (
            not same_model(active.base_model, self.engine.base_path)
            and active.base_model != self.engine.base_id
        ):
            log.error(
                "active version %s is built on %s, but this server serves %s: restart the server to switch",
                active.name,
                active.base_model,
                self.engine.base_path,
            )
            self.refused = active.name
            return False
        try:
            if active.adapter_path:
                self.engine.load_adapter(
                    active.name, active.adapter_path, label=active.name, source="registry"
                ).result()
                self.engine.set_alias(self.alias, active.name, fingerprint=active.name)
            else:
                self.engine.set_alias(self.alias, self.engine.base_id, fingerprint=active.name)
        except Exception as exc:
            log.error("cannot serve active version %s: %s", active.name, exc)
            self.refused = active.name
            return False
        previous, self._loaded = self._loaded, active.name if active.adapter_path else None
        self.current = active.name
        self.refused = None
        if previous and previous != self._loaded:
            try:
                self.engine.unload_adapter(previous).result()
            except Exception as exc:  # it may have been unloaded by hand already
                log.info("previous version %s not unloaded: %s", previous, exc)
        log.info("%s now serves version %s", self.alias, active.name)
        return True

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.check()
                self.problem = None
            except Exception as exc:  # the database may be away for a moment; try again later
                reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()
                self.problem = reason[0] if reason else type(exc).__name__
                log.warning("model registry check failed: %s", self.problem)

    def start(self) -> RegistryWatcher:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="registry-watcher", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
