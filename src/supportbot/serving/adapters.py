"""The model's LoRA adapters and the names requests use: the base, each adapter, and aliases.

Adapters come and go at run time. Each one lives in the (peft) model under a key of its own, so
replacing adapter ``v3`` loads the new weights under a new key while requests already running
finish on the old ones; old weights are deleted once no sequence uses them any more. With no
adapter left the model goes back to the plain transformers model.

The name tables are read from the event loop and changed from the generation loop's thread,
under a lock; the model itself is only touched in the loop's thread, between two steps.
"""

from __future__ import annotations

import itertools
import logging
import threading
import warnings
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict

from supportbot.core.errors import Conflict, InvalidInput, NotFound
from supportbot.serving.loader import AdapterFiles, check_fits, inspect_adapter

if TYPE_CHECKING:
    import torch

log = logging.getLogger(__name__)

PEFT_BASE = "__base__"  # peft's name for "no adapter" in a mixed batch's adapter_names


@dataclass(frozen=True)
class Target:
    """What a request's ``model`` resolves to."""

    name: str  # the id the request used
    key: str | None  # the adapter inside the model; None for the base
    fingerprint: str  # the version that answers (system_fingerprint)
    chat_template: str | None
    eos_ids: frozenset[int]


class ModelName(TypedDict):
    """One entry of /v1/models."""

    id: str
    root: str | None
    parent: str | None


@dataclass
class LoadedAdapter:
    name: str
    key: str
    path: Path
    label: str
    chat_template: str | None
    eos_ids: frozenset[int]
    source: str


class AdapterManager:
    """Owns the model object (plain, or peft around it) and which adapters it holds."""

    def __init__(
        self,
        model: Any,
        *,
        base_id: str,
        base_label: str,
        chat_template: str | None,
        eos_ids: frozenset[int],
        tokenizer_size: int,
        device: torch.device,
    ) -> None:
        self.model = model  # what the forward pass calls: the transformers model, or peft around it
        self.peft = False
        self.base_id = base_id
        self.base_label = base_label
        self.chat_template = chat_template
        self.eos_ids = eos_ids
        self._tokenizer_size = tokenizer_size
        self._device = device
        self._lock = threading.Lock()  # guards the name tables below
        self._adapters: dict[str, LoadedAdapter] = {}
        self._aliases: dict[str, tuple[str, str | None]] = {}  # alias -> (target name, fingerprint)
        self._key_users: Counter[str] = Counter()
        self._retired: set[str] = set()
        self._key_counter = itertools.count(1)

    @property
    def base_model(self) -> Any:
        """The transformers model (under any LoRA layers)."""
        return self.model.get_base_model() if self.peft else self.model

    # --- names (any thread) ---------------------------------------------------------------------

    def resolve(self, name: str) -> Target:
        """The base, an adapter or an alias; KeyError for anything else."""
        with self._lock:
            fingerprint = None
            target = name
            if name in self._aliases:
                target, fingerprint = self._aliases[name]
            if target == self.base_id:
                return Target(name, None, fingerprint or self.base_label, self.chat_template, self.eos_ids)
            adapter = self._adapters.get(target)
            if adapter is None:
                raise KeyError(name)
            return Target(
                name,
                adapter.key,
                fingerprint or adapter.label,
                adapter.chat_template or self.chat_template,
                self.eos_ids | adapter.eos_ids,
            )

    def set_alias(self, alias: str, target: str, *, fingerprint: str | None = None) -> None:
        with self._lock:
            if target != self.base_id and target not in self._adapters:
                raise NotFound(f"no model {target!r} to point {alias!r} at")
            if alias == self.base_id or alias in self._adapters:
                raise Conflict(f"{alias!r} is already a model name")
            self._aliases[alias] = (target, fingerprint)

    def remove_alias(self, alias: str) -> None:
        with self._lock:
            self._aliases.pop(alias, None)

    def aliases(self) -> dict[str, str]:
        with self._lock:
            return {alias: target for alias, (target, _) in self._aliases.items()}

    def models(self) -> list[ModelName]:
        """id, root and parent, for /v1/models."""
        with self._lock:
            # Names only: where the files live on the server is for the admin routes, not clients.
            out: list[ModelName] = [{"id": self.base_id, "root": self.base_id, "parent": None}]
            for a in self._adapters.values():
                out.append({"id": a.name, "root": a.name, "parent": self.base_id})
            for alias, (target, _) in self._aliases.items():
                out.append({"id": alias, "root": None, "parent": target})
            return out

    def adapters(self) -> list[dict[str, str]]:
        with self._lock:
            return [
                {"name": a.name, "path": str(a.path), "version": a.label, "source": a.source}
                for a in self._adapters.values()
            ]

    def check_load(self, name: str, path: str | Path) -> AdapterFiles:
        """The adapter's files, if ``name`` may be loaded from ``path`` (before the loop loads it)."""
        if not name or name == self.base_id or name in self.aliases():
            raise InvalidInput(f"{name!r} cannot be an adapter name (it is the base or an alias)")
        files = inspect_adapter(path, vocab_size=self._tokenizer_size)
        check_fits(self.model, files.path)
        for note in files.notes:
            log.warning("adapter %s: %s", name, note)
        return files

    def check_unload(self, name: str) -> None:
        with self._lock:
            if name not in self._adapters:
                raise NotFound(f"no adapter {name!r} is loaded")
            users = [alias for alias, (target, _) in self._aliases.items() if target == name]
        if users:
            raise Conflict(f"adapter {name!r} is what {', '.join(users)} serves: point it elsewhere first")

    # --- the model (the generation loop's thread only) ------------------------------------------

    def load(self, name: str, files: AdapterFiles, label: str, source: str) -> dict[str, str]:
        from peft import PeftModel

        key = f"adapter_{next(self._key_counter)}"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if not self.peft:
                self.model = PeftModel.from_pretrained(self.model, str(files.path), adapter_name=key)
                self.peft = True
            else:
                try:
                    self.model.load_adapter(str(files.path), adapter_name=key)
                except Exception:
                    if key in self.model.peft_config:
                        self._retire(key)
                    raise
        self.model.to(self._device)
        self.model.eval()
        adapter = LoadedAdapter(name, key, files.path, label, files.chat_template, files.eos_ids, source)
        with self._lock:
            old = self._adapters.get(name)
            self._adapters[name] = adapter
        if old is not None:
            self._retire(old.key)
        log.info(
            "adapter %s loaded from %s%s", name, files.path, " (replacing the previous one)" if old else ""
        )
        return {"name": name, "path": str(files.path), "version": label, "replaced": "yes" if old else "no"}

    def unload(self, name: str) -> dict[str, str]:
        with self._lock:
            old = self._adapters.pop(name, None)
        if old is None:
            raise NotFound(f"no adapter {name!r} is loaded")
        self._retire(old.key)
        log.info("adapter %s unloaded", name)
        return {"name": name, "path": str(old.path)}

    def holds(self, key: str) -> bool:
        """Whether the model still has this adapter (a request's adapter may be unloaded while it waits)."""
        return self.peft and key in self.model.peft_config

    def acquire(self, key: str) -> None:
        """One more sequence runs on ``key``: its weights stay until it is released."""
        self._key_users[key] += 1

    def release(self, key: str) -> None:
        self._key_users[key] -= 1
        if self._key_users[key] <= 0 and key in self._retired:
            self._retire(key)

    def _retire(self, key: str) -> None:
        """Delete an adapter's weights once no sequence uses them any more."""
        if self._key_users[key] > 0:
            self._retired.add(key)
            return
        self._retired.discard(key)
        self._key_users.pop(key, None)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if list(self.model.peft_config) == [key]:
                # peft cannot run with zero adapters: go back to the plain model.
                self.model = self.model.unload()
                self.peft = False
            else:
                self.model.delete_adapter(key)
