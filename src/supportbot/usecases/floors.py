"""Which settings the checks after the model use: the ones calibrated for the model that answered.

Every fine-tune chooses its agreement floor, close-match score and the confidence gate's score on
questions of the team's own (training.calibration) and stores them with its version. The bot
applies the answering version's (its ``system_fingerprint``, else the active version's); an
admin's explicit SUPPORTBOT_DISAGREE_BELOW / SUPPORTBOT_CLOSE_MATCH_SCORE /
SUPPORTBOT_ESCALATE_BELOW_SCORE win over them, and a version without a calibration (the base
model, an older fine-tune, a model served elsewhere) uses the configured values.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from supportbot.core import store
from supportbot.core.settings import Settings

NAMES = ("disagree_below", "close_match_score", "escalate_below_score")


@dataclass(frozen=True)
class Floors:
    disagree_below: float
    close_match_score: float
    source: str  # "calibrated for vN", "configured", "default"
    # The closest-ticket score under which a person answers instead (the confidence gate).
    escalate_below_score: float = 0.5

    @classmethod
    def configured(cls, settings: Settings, source: str = "configured") -> Floors:
        return cls(settings.disagree_below, settings.close_match_score, source, settings.escalate_below_score)


class FloorBook:
    """The settings per model version, read from the registry and kept for ``ttl_s``."""

    def __init__(self, *, settings: Settings, sessions: sessionmaker[Session], ttl_s: float = 60.0) -> None:
        self.settings = settings
        self.sessions = sessions
        self.ttl_s = ttl_s
        self._cache: dict[str | None, tuple[float, dict[str, float] | None, str | None]] = {}
        self._lock = threading.Lock()

    def for_version(self, version: str | None, *, settings: Settings | None = None) -> Floors:
        """The settings for the version that answered (None: the active one); ``settings``: the
        caller's current settings, when they may have changed since."""
        settings = settings or self.settings
        explicit = set(NAMES) & settings.model_fields_set
        if explicit == set(NAMES):  # all set by an admin: nothing calibrated overrides them
            return Floors.configured(settings)
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(version)
        if hit is None or now - hit[0] >= self.ttl_s:
            calibrated, name = self._read(version)
            with self._lock:
                self._cache[version] = (now, calibrated, name)
        else:
            _, calibrated, name = hit
        if not calibrated:
            return Floors.configured(settings, "configured" if explicit else "default")
        # An admin's explicit value wins over the calibrated one; a value not calibrated (the
        # gate, by an older version) is the configured one.
        chosen = {
            k: float(getattr(settings, k)) if k in explicit or k not in calibrated else calibrated[k]
            for k in NAMES
        }
        return Floors(
            chosen["disagree_below"],
            chosen["close_match_score"],
            f"calibrated for {name}",
            chosen["escalate_below_score"],
        )

    def _read(self, version: str | None) -> tuple[dict[str, float] | None, str | None]:
        """The version's calibrated values (None: it has none) and its name."""
        try:
            with self.sessions() as s:
                row = (
                    store.active_model_version(s)
                    if version is None
                    else store.find_model_version(s, name=version)
                )
                calibration = ((row.metrics or {}).get("calibration") if row is not None else None) or {}
                name = row.name if row is not None else None
        except Exception:  # the registry unreadable: the configured values, never no answer
            return None, None
        values = {k: float(v) for k in NAMES if isinstance(v := calibration.get(k), (int, float))}
        if not all(k in values for k in NAMES[:2]):
            return None, name
        return values, name
