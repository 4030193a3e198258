"""The model, its adapters, and the generation loop that serves every request in one batch.

Continuous batching: the loop runs in a thread of its own. Between two decode steps it takes in
new sequences (their prompts prefilled together, left-padded, and their KV cache merged into the
batch's), and drops the finished or abandoned ones (``batch_select_indices``), trimming padding
columns nobody needs any more. Each row of the batch is one sequence with its own cache rows,
sampling parameters, random generator, stop strings, and LoRA adapter (peft's mixed-batch
``adapter_names``), so requests for different adapters share the same forward passes.

Positions come from each row's attention mask, so left padding changes nothing: greedy output
equals ``model.generate`` on the prompt alone.

Failures stay with their request: a prefill that fails is retried request by request, and only
the one that still fails gets the error; a decode step that fails (e.g. out of memory) is undone
and the request that joined last is failed, as a preempted one would be, and the rest go on.

Callers on the event loop use :meth:`Engine.submit`, which returns a :class:`Job` whose
``events()`` yield each choice's text as it grows (streaming) or once at the end.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import logging
import queue
import threading
import time
import warnings
from collections import Counter, deque
from collections.abc import AsyncIterator, Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.errors import Conflict, InvalidInput, NotFound
from serving.detokenize import IncrementalText
from serving.loader import AdapterFiles, check_fits, context_window, eos_ids, inspect_adapter
from serving.metrics import ServerMetrics
from serving.sampling import SamplingParams, choose, make_generator

log = logging.getLogger(__name__)

PEFT_BASE = "__base__"


# --- what callers see ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """What a request's ``model`` resolves to."""

    name: str  # the id the request used
    key: str | None  # the adapter inside the model; None for the base
    fingerprint: str  # the version that answers (system_fingerprint)
    chat_template: str | None
    eos_ids: frozenset[int]


@dataclass
class GeneratedToken:
    id: int
    logprob: float | None
    top: list[tuple[int, float]]
    offset: int  # where its text starts in the choice's text


@dataclass
class ChoiceOutput:
    """New text of one choice (the whole text when not streaming), and its end if it ended."""

    index: int
    text: str
    tokens: list[GeneratedToken]
    finish_reason: str | None
    completion_tokens: int


@dataclass
class JobFailed:
    message: str
    status: int = 500


Event = ChoiceOutput | JobFailed


class Job:
    """One request in the loop: its sequences' events arrive on the caller's event loop."""

    _ids = itertools.count(1)

    def __init__(
        self,
        *,
        prompts: Sequence[Sequence[int]],
        n: int,
        params: SamplingParams,
        target: Target,
        stream: bool,
        arrived: float | None = None,
    ) -> None:
        self.id = next(self._ids)
        self.prompts = [list(p) for p in prompts]
        self.n = n
        self.params = params
        self.target = target
        self.stream = stream
        self.arrived = arrived if arrived is not None else time.perf_counter()
        self.first_token_at: float | None = None
        self.aborted = False
        self.failed = False
        self.admitted = 0  # order of admission into the batch (the newest is failed first)
        self._open = len(self.prompts) * n
        self._closed = False
        self._loop = asyncio.get_running_loop()
        self._events: asyncio.Queue[Event | None] = asyncio.Queue()

    @property
    def done(self) -> bool:
        return self._open <= 0 or self.failed or self.aborted

    def abort(self) -> None:
        """The client went away: the loop drops this job's sequences at its next step."""
        self.aborted = True

    async def events(self) -> AsyncIterator[Event]:
        while True:
            event = await self._events.get()
            if event is None:
                return
            yield event

    # Called from the generation loop's thread.
    def _put(self, event: Event | None) -> None:
        try:
            self._loop.call_soon_threadsafe(self._events.put_nowait, event)
        except RuntimeError:  # the event loop is gone: nobody is listening any more
            self.aborted = True

    def _close(self) -> None:
        """No more events (the job was abandoned): end the caller's ``events()``."""
        if not self._closed:
            self._closed = True
            self._put(None)

    def _choice_finished(self) -> None:
        self._open -= 1
        if self._open == 0:
            self._close()

    def _fail(self, message: str, status: int) -> None:
        if self.failed or self._open <= 0:
            return
        self.failed = True
        self._put(JobFailed(message, status))
        self._close()


# --- inside the loop ----------------------------------------------------------------------------


@dataclass
class _Adapter:
    name: str
    key: str
    path: Path
    label: str
    chat_template: str | None
    eos_ids: frozenset[int]
    source: str


@dataclass(eq=False)
class _Seq:
    job: Job
    index: int
    prompt_index: int
    prompt: list[int]
    max_new: int
    eos: frozenset[int]
    text: IncrementalText
    generator: Any = None
    generated: int = 0
    tokens: list[GeneratedToken] = field(default_factory=list)
    pending: int | None = None  # sampled, not yet fed to the model
    finish: str | None = None
    sent_text: int = 0
    sent_tokens: int = 0

    @property
    def params(self) -> SamplingParams:
        return self.job.params

    @property
    def key(self) -> str | None:
        return self.job.target.key


class Engine:
    """A loaded model served by one generation loop; adapters come and go at run time."""

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        *,
        base_id: str = "base",
        base_path: str | None = None,
        base_label: str = "base",
        max_batch_size: int = 64,
        prefill_tokens: int = 8192,
        metrics: ServerMetrics | None = None,
    ) -> None:
        self._model = model
        self.tokenizer = tokenizer  # for the event loop (prompts, templates, token strings)
        # The loop decodes with its own copy: a fast tokenizer must not be used by two threads.
        self._loop_tokenizer = copy.deepcopy(tokenizer)
        # Prompts are templated and tokenized on threads of their own, each with its own copy of
        # the tokenizer: CPU work off the event loop (a long prompt used to stall every request),
        # and one long prompt does not hold up the others.
        self._prompt_source = tokenizer
        self._prompt_local = threading.local()
        self._prompt_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="tokenize")
        self._tokenizer_size = len(tokenizer)
        self.base_id = base_id
        self.base_path = base_path
        self.base_label = base_label
        self.max_batch_size = max_batch_size
        self.prefill_tokens = prefill_tokens
        self.metrics = metrics or ServerMetrics()
        self.device = next(model.parameters()).device
        self.context_window = context_window(model, tokenizer)
        # How many characters can fit the window, checked before tokenizing a prompt: the longest
        # token's text, capped at 64 (vocabularies carry a few very long whitespace or code tokens;
        # real text averages 3-5 characters a token). A prompt over it is refused unread.
        longest = max((len(t) for t in tokenizer.get_vocab()), default=16)
        self.max_prompt_chars = self.context_window * min(64, max(4, longest))
        self.vocab_size = model.get_input_embeddings().num_embeddings
        self.eos_ids = eos_ids(model, tokenizer)
        self.chat_template = tokenizer.chat_template if isinstance(tokenizer.chat_template, str) else None
        # A request without temperature/top_p gets the model's own defaults (ours: greedy).
        generation = getattr(model, "generation_config", None)
        sampling = generation is not None and bool(generation.do_sample)
        self.default_temperature = float(generation.temperature or 1.0) if sampling else 0.0
        self.default_top_p = float(generation.top_p or 1.0) if sampling else 1.0
        self._peft = False
        self._lock = threading.Lock()  # guards the name tables below
        self._adapters: dict[str, _Adapter] = {}
        self._aliases: dict[str, tuple[str, str | None]] = {}  # alias -> (target name, fingerprint)
        self._key_users: Counter[str] = Counter()
        self._retired: set[str] = set()
        self._key_counter = itertools.count(1)
        self._admissions = itertools.count(1)
        self._inbox: queue.SimpleQueue[tuple[Any, ...]] = queue.SimpleQueue()
        self._waiting: deque[_Seq] = deque()
        self._active: list[_Seq] = []
        self._cache: Any = None
        self._mask: Any = None
        self._thread: threading.Thread | None = None
        self._stopping = False
        self._token_text: dict[int, str] = {}

    # --- lifecycle ------------------------------------------------------------------------------

    def start(self) -> Engine:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="generation-loop", daemon=True)
            self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        if self._thread is None:
            return
        self._stopping = True
        self._inbox.put(("wake",))
        self._thread.join(timeout)
        self._thread = None

    @property
    def model(self) -> Any:
        """The transformers model (under any LoRA layers)."""
        return self._model.get_base_model() if self._peft else self._model

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def __enter__(self) -> Engine:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- names ----------------------------------------------------------------------------------

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
        """Point ``alias`` (e.g. "supportbot") at the base or an adapter."""
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

    def models(self) -> list[dict[str, str | None]]:
        """id, root and parent, for /v1/models."""
        with self._lock:
            # Names only: where the files live on the server is for the admin routes, not clients.
            out: list[dict[str, str | None]] = [{"id": self.base_id, "root": self.base_id, "parent": None}]
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

    @property
    def prompt_tokenizer(self) -> Any:
        """The calling prompt thread's own tokenizer (only used inside ``in_prompt_thread``)."""
        local = self._prompt_local
        if getattr(local, "tokenizer", None) is None:
            local.tokenizer = copy.deepcopy(self._prompt_source)
        return local.tokenizer

    async def in_prompt_thread(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Run ``fn(*args)`` on a prompt thread (where ``prompt_tokenizer`` may be used)."""
        return await asyncio.get_running_loop().run_in_executor(self._prompt_pool, fn, *args)

    def token_text(self, token_id: int) -> str:
        """A token's own text (special tokens included), for log-probabilities; event loop only."""
        text = self._token_text.get(token_id)
        if text is None:
            text = self.tokenizer.decode([token_id], skip_special_tokens=False)
            self._token_text[token_id] = text
        return text

    # --- adapters (the work runs in the loop's thread, between steps) ----------------------------

    def load_adapter(
        self, name: str, path: str | Path, *, label: str | None = None, source: str = "admin"
    ) -> Future:
        """Load (or replace) adapter ``name``. Requests already running keep the weights they began with."""
        if not name or name == self.base_id or name in self.aliases():
            raise InvalidInput(f"{name!r} cannot be an adapter name (it is the base or an alias)")
        files = inspect_adapter(path, vocab_size=self._tokenizer_size)
        check_fits(self._model, files.path)
        for note in files.notes:
            log.warning("adapter %s: %s", name, note)
        return self.call_in_loop(lambda: self._load(name, files, label or name, source))

    def unload_adapter(self, name: str) -> Future:
        with self._lock:
            if name not in self._adapters:
                raise NotFound(f"no adapter {name!r} is loaded")
            users = [alias for alias, (target, _) in self._aliases.items() if target == name]
        if users:
            raise Conflict(f"adapter {name!r} is what {', '.join(users)} serves: point it elsewhere first")
        return self.call_in_loop(lambda: self._unload(name))

    def call_in_loop(self, fn: Callable[[], Any]) -> Future:
        """Run ``fn`` in the loop's thread between two steps (nothing else touches the model then)."""
        future: Future = Future()
        if self.alive:
            self._inbox.put(("call", fn, future))
        else:  # not started (or stopped): nothing runs concurrently, do it here
            try:
                future.set_result(fn())
            except Exception as exc:
                future.set_exception(exc)
        return future

    def _load(self, name: str, files: AdapterFiles, label: str, source: str) -> dict[str, str]:
        from peft import PeftModel

        key = f"adapter_{next(self._key_counter)}"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if not self._peft:
                self._model = PeftModel.from_pretrained(self._model, str(files.path), adapter_name=key)
                self._peft = True
            else:
                try:
                    self._model.load_adapter(str(files.path), adapter_name=key)
                except Exception:
                    if key in self._model.peft_config:
                        self._retire(key)
                    raise
        self._model.to(self.device)
        self._model.eval()
        adapter = _Adapter(name, key, files.path, label, files.chat_template, files.eos_ids, source)
        with self._lock:
            old = self._adapters.get(name)
            self._adapters[name] = adapter
        if old is not None:
            self._retire(old.key)
        log.info(
            "adapter %s loaded from %s%s", name, files.path, " (replacing the previous one)" if old else ""
        )
        return {"name": name, "path": str(files.path), "version": label, "replaced": "yes" if old else "no"}

    def _unload(self, name: str) -> dict[str, str]:
        with self._lock:
            old = self._adapters.pop(name, None)
        if old is None:
            raise NotFound(f"no adapter {name!r} is loaded")
        self._retire(old.key)
        log.info("adapter %s unloaded", name)
        return {"name": name, "path": str(old.path)}

    def _retire(self, key: str) -> None:
        """Delete an adapter's weights once no sequence uses them any more."""
        if self._key_users[key] > 0:
            self._retired.add(key)
            return
        self._retired.discard(key)
        self._key_users.pop(key, None)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if list(self._model.peft_config) == [key]:
                # peft cannot run with zero adapters: go back to the plain model.
                self._model = self._model.unload()
                self._peft = False
            else:
                self._model.delete_adapter(key)

    def _release(self, seq: _Seq) -> None:
        key = seq.key
        if key is None:
            return
        self._key_users[key] -= 1
        if self._key_users[key] <= 0 and key in self._retired:
            self._retire(key)

    # --- submitting -----------------------------------------------------------------------------

    def submit(
        self,
        *,
        prompts: Sequence[Sequence[int]],
        params: SamplingParams,
        target: Target,
        n: int = 1,
        stream: bool = False,
        arrived: float | None = None,
    ) -> Job:
        """Queue a request (call from the event loop); its events come from ``job.events()``."""
        job = Job(prompts=prompts, n=n, params=params, target=target, stream=stream, arrived=arrived)
        if not self.alive:
            job._fail("the generation loop is not running", 503)
            return job
        seqs = []
        for p_index, prompt in enumerate(job.prompts):
            room = max(0, self.context_window - len(prompt))
            for i in range(n):
                index = p_index * n + i
                seed = None if params.seed is None else params.seed + index
                seqs.append(
                    _Seq(
                        job=job,
                        index=index,
                        prompt_index=p_index,
                        prompt=prompt,
                        max_new=min(params.max_tokens, room),
                        eos=(frozenset() if params.ignore_eos else target.eos_ids) | params.stop_token_ids,
                        text=IncrementalText(
                            self._loop_tokenizer,
                            prompt_ids=prompt,
                            stop=params.stop,
                            lazy=not stream and params.logprobs is None,
                        ),
                        generator=None if params.greedy else make_generator(seed, device=self.device),
                    )
                )
        self._inbox.put(("seqs", seqs))
        return job

    # --- the loop -------------------------------------------------------------------------------

    def _run(self) -> None:
        import torch

        with torch.inference_mode():
            while not self._stopping:
                try:
                    self._drain(block=not self._active and not self._waiting)
                    if self._stopping:
                        break
                    self._drop_abandoned()
                    self._admit()
                    if self._active:
                        self._step()
                    self.metrics.queue_depth.set(len(self._waiting))
                    self.metrics.running.set(len(self._active))
                except Exception:  # the loop itself must survive anything
                    log.exception("generation loop: unexpected error; failing the running requests")
                    for seq in [*self._active, *self._waiting]:
                        self._fail(seq.job, "internal error in the generation loop")
                    self._reset_batch()
        for seq in [*self._active, *self._waiting]:
            self._fail(seq.job, "the server is shutting down", 503)
        self._reset_batch()

    def _drain(self, *, block: bool) -> None:
        try:
            item = self._inbox.get(timeout=0.5) if block else self._inbox.get_nowait()
        except queue.Empty:
            return
        while True:
            kind = item[0]
            if kind == "seqs":
                for seq in item[1]:
                    if seq.key is not None:
                        self._key_users[seq.key] += 1
                    self._waiting.append(seq)
            elif kind == "call":
                _, fn, future = item
                try:
                    future.set_result(fn())
                except Exception as exc:
                    future.set_exception(exc)
            try:
                item = self._inbox.get_nowait()
            except queue.Empty:
                return

    def _drop_abandoned(self) -> None:
        if any(s.job.aborted or s.job.failed for s in self._waiting):
            kept = deque()
            for seq in self._waiting:
                if seq.job.aborted or seq.job.failed:
                    self._forget(seq)
                else:
                    kept.append(seq)
            self._waiting = kept
        if any(s.job.aborted or s.job.failed for s in self._active):
            self._retire_rows()

    def _forget(self, seq: _Seq) -> None:
        """A sequence leaves without finishing (its job failed or its client went away)."""
        if seq.job.aborted and not seq.job.failed and seq.finish is None:
            self.metrics.aborted.inc()
            seq.job._close()
        seq.finish = seq.finish or "abandoned"
        self._release(seq)

    def _fail(self, job: Job, message: str, status: int = 500) -> None:
        if not job.failed and not job.done:
            self.metrics.generation_failures.inc()
        job._fail(message, status)

    def _reset_batch(self) -> None:
        for seq in [*self._active, *self._waiting]:
            self._release(seq)
        self._active, self._waiting = [], deque()
        self._cache = self._mask = None

    # --- admission and prefill ------------------------------------------------------------------

    def _admit(self) -> None:
        room = self.max_batch_size - len(self._active)
        group: list[_Seq] = []
        longest = 0
        while self._waiting and len(group) < room:
            seq = self._waiting[0]
            if seq.key is not None and not self._has_key(seq.key):
                self._waiting.popleft()
                self._forget(seq)
                self._fail(
                    seq.job, f"model {seq.job.target.name!r} was unloaded before this request ran", 404
                )
                continue
            new_longest = max(longest, len(seq.prompt))
            if group and new_longest * (len(group) + 1) > self.prefill_tokens:
                break
            longest = new_longest
            group.append(self._waiting.popleft())
        # max_tokens=0 asks for nothing: such a sequence ends before it starts.
        for seq in [s for s in group if s.max_new <= 0]:
            group.remove(seq)
            seq.finish = "length"
            self._publish(seq)
            self._release(seq)
        if group:
            self._prefill(group)

    def _has_key(self, key: str) -> bool:
        return self._peft and key in self._model.peft_config

    def _prefill(self, group: list[_Seq]) -> None:
        import torch

        # The n choices of one prompt share its prefill; their cache rows are copies.
        rows: dict[tuple[int, int], int] = {}
        unique: list[_Seq] = []
        for seq in group:
            if (seq.job.id, seq.prompt_index) not in rows:
                rows[(seq.job.id, seq.prompt_index)] = len(unique)
                unique.append(seq)
        width = max(len(s.prompt) for s in unique)
        ids = torch.full((len(unique), width), self.tokenizer.pad_token_id, dtype=torch.long)
        mask = torch.zeros((len(unique), width), dtype=torch.long)
        for r, seq in enumerate(unique):
            ids[r, width - len(seq.prompt) :] = torch.tensor(seq.prompt, dtype=torch.long)
            mask[r, width - len(seq.prompt) :] = 1
        ids, mask = ids.to(self.device), mask.to(self.device)
        positions = (mask.cumsum(-1) - 1).clamp(min=0)
        try:
            logits, cache = self._forward(ids, mask, positions, None, [s.key for s in unique])
        except Exception as exc:
            jobs = list(dict.fromkeys(s.job for s in group))
            self._after_failure(exc)
            if len(jobs) > 1:  # find the request at fault: each one alone
                for job in jobs:
                    self._prefill([s for s in group if s.job is job])
            else:
                log.warning("prefill failed for request %s: %s", jobs[0].id, exc)
                for seq in group:
                    self._release(seq)
                self._fail(jobs[0], f"generation failed: {type(exc).__name__}: {exc}")
            return
        select = torch.tensor([rows[(s.job.id, s.prompt_index)] for s in group], device=self.device)
        if len(select) != len(unique) or bool(
            (select != torch.arange(len(unique), device=self.device)).any()
        ):
            cache.batch_select_indices(select)
            logits, mask = logits.index_select(0, select), mask.index_select(0, select)
        now = time.perf_counter()
        for seq in group:
            seq.job.admitted = next(self._admissions)
        self._accept(group, logits)
        for seq in group:
            job = seq.job
            if job.first_token_at is None:
                job.first_token_at = now
                self.metrics.ttft.observe(now - job.arrived)
        self._merge(group, cache, mask)
        self._retire_rows()

    def _merge(self, seqs: list[_Seq], cache: Any, mask: Any) -> None:
        """Join new rows to the running batch, left-padding the shorter side's cache."""
        import torch
        from transformers import DynamicCache

        if not self._active:
            self._active, self._cache, self._mask = list(seqs), cache, mask
            return
        old_len, new_len = self._mask.shape[1], mask.shape[1]
        width = max(old_len, new_len)

        def pad(t: Any, n: int) -> Any:
            return t if n == 0 else torch.nn.functional.pad(t, (0, 0, n, 0))

        layers = [
            (
                torch.cat([pad(k_old, width - old_len), pad(k_new, width - new_len)]),
                torch.cat([pad(v_old, width - old_len), pad(v_new, width - new_len)]),
            )
            for (k_old, v_old, _), (k_new, v_new, _) in zip(self._cache, cache, strict=True)
        ]
        self._cache = DynamicCache(ddp_cache_data=layers)
        self._mask = torch.cat(
            [
                torch.nn.functional.pad(self._mask, (width - old_len, 0)),
                torch.nn.functional.pad(mask, (width - new_len, 0)),
            ]
        )
        self._active.extend(seqs)

    # --- decoding -------------------------------------------------------------------------------

    def _forward(
        self, ids: Any, mask: Any, positions: Any, cache: Any, keys: list[str | None]
    ) -> tuple[Any, Any]:
        from transformers import DynamicCache

        kwargs: dict[str, Any] = {
            "input_ids": ids,
            "attention_mask": mask,
            "position_ids": positions,
            "cache": cache if cache is not None else DynamicCache(),
            "use_cache": True,
            "logits_to_keep": 1,
        }
        if self._peft:
            kwargs["adapter_names"] = [k or PEFT_BASE for k in keys]
        out = self._model(**kwargs)
        return out.logits[:, -1, :], out.cache

    def _step(self) -> None:
        import torch

        rows = self._active
        ids = torch.tensor([[s.pending] for s in rows], dtype=torch.long, device=self.device)
        before = self._mask.shape[1]
        mask = torch.cat(
            [self._mask, torch.ones((len(rows), 1), dtype=torch.long, device=self.device)], dim=1
        )
        positions = mask.sum(dim=-1, keepdim=True) - 1
        self.metrics.batch_size.observe(len(rows))
        try:
            logits, self._cache = self._forward(ids, mask, positions, self._cache, [s.key for s in rows])
        except Exception as exc:
            self._undo_step(before)
            self._after_failure(exc)
            newest = max((s.job for s in rows), key=lambda j: j.admitted)
            log.warning("decode step failed (%s); failing the newest request %s", exc, newest.id)
            self._fail(newest, f"generation failed: {type(exc).__name__}: {exc}")
            self._retire_rows()
            return
        self._mask = mask
        self._accept(rows, logits)
        self._retire_rows()

    def _undo_step(self, length: int) -> None:
        """A failed forward may have grown some layers' cache: cut them back to ``length``."""
        from transformers import DynamicCache

        layers = [(k[:, :, :length], v[:, :, :length]) for k, v, _ in self._cache]
        self._cache = DynamicCache(ddp_cache_data=layers)

    def _after_failure(self, exc: BaseException) -> None:
        import torch

        if self.device.type == "cuda":
            torch.cuda.empty_cache()

    def _accept(self, seqs: list[_Seq], logits: Any) -> None:
        """Sample every row's next token, extend its text, and decide whether it ended."""
        choices = choose(logits, [s.params for s in seqs], [s.generator for s in seqs])
        for seq, choice in zip(seqs, choices, strict=True):
            if seq.job.failed:
                continue
            try:
                self._extend(seq, choice.token, choice.logprob, choice.top)
                self._publish(seq)
            except Exception as exc:  # e.g. a tokenizer error on this sequence's text
                log.exception("request %s: cannot process its output", seq.job.id)
                self._fail(seq.job, f"generation failed: {type(exc).__name__}: {exc}")

    def _extend(
        self, seq: _Seq, token: int, logprob: float | None, top: list[tuple[int, float]] | None
    ) -> None:
        seq.generated += 1
        seq.pending = token
        if token in seq.eos:
            seq.finish = "stop"
        else:
            if seq.params.logprobs is not None:
                seq.tokens.append(GeneratedToken(token, logprob, top or [], len(seq.text.text)))
            seq.text.append(token)
            if seq.text.stopped:
                seq.finish = "stop"
            elif seq.generated >= seq.max_new:
                seq.finish = "length"
        if seq.finish is not None:
            seq.text.flush()
            self.metrics.completion_tokens.inc(seq.generated)

    def _publish(self, seq: _Seq) -> None:
        """Send what the client may see now: new text while streaming, everything at the end."""
        job = seq.job
        final = seq.finish is not None
        if not job.stream and not final:
            return
        text = seq.text
        if final:
            # Tokens that made up a stop string are not part of the answer.
            tokens = seq.tokens[: text.kept_tokens()] if text.stopped else seq.tokens
            release = len(text.text)
        else:
            release = text.releasable(final=False)
            tokens = []
            for t_index in range(seq.sent_tokens, len(seq.tokens)):
                end = text.ends[t_index] if t_index < len(text.ends) else len(text.text)
                if end > release:
                    break
                tokens.append(seq.tokens[t_index])
        if job.stream:
            new_text = text.text[seq.sent_text : release]
            new_tokens = tokens[seq.sent_tokens :] if final else tokens
            if not new_text and not new_tokens and not final:
                return
            seq.sent_text = release
            seq.sent_tokens += len(new_tokens)
            job._put(ChoiceOutput(seq.index, new_text, new_tokens, seq.finish, seq.generated))
        else:
            job._put(ChoiceOutput(seq.index, text.text, tokens, seq.finish, seq.generated))
        if final:
            self.metrics.prompt_tokens.inc(len(seq.prompt) if seq.index % job.n == 0 else 0)
            job._choice_finished()

    def _retire_rows(self) -> None:
        """Drop finished and abandoned rows from the batch, and padding columns nobody needs."""
        import torch

        keep = [
            i
            for i, s in enumerate(self._active)
            if s.finish is None and not s.job.failed and not s.job.aborted
        ]
        if len(keep) == len(self._active):
            return
        kept = set(keep)
        for i, seq in enumerate(self._active):
            if i not in kept:
                if seq.finish is None:
                    self._forget(seq)
                else:
                    self._release(seq)
        if not keep:
            self._active, self._cache, self._mask = [], None, None
            return
        index = torch.tensor(keep, dtype=torch.long, device=self.device)
        self._active = [self._active[i] for i in keep]
        self._cache.batch_select_indices(index)
        self._mask = self._mask.index_select(0, index)
        lead = int(self._mask.any(dim=0).int().argmax())
        if lead > 0:
            from transformers import DynamicCache

            self._mask = self._mask[:, lead:]
            layers = [(k[:, :, lead:], v[:, :, lead:]) for k, v, _ in self._cache]
            self._cache = DynamicCache(ddp_cache_data=layers)


def load_engine(
    model: str,
    *,
    adapters: dict[str, str] | None = None,
    device: str = "auto",
    dtype: str = "auto",
    max_batch_size: int = 64,
    base_label: str = "base",
    metrics: ServerMetrics | None = None,
) -> Engine:
    """Load the base and adapters from disk into a (not yet started) engine."""
    from serving.loader import base_id, choose_device, choose_dtype, load_base

    chosen = choose_device(device)
    hf_model, tokenizer = load_base(model, device=chosen, dtype=choose_dtype(dtype, device=chosen))
    root = str(Path(model).resolve()) if Path(model).exists() else model
    engine = Engine(
        hf_model,
        tokenizer,
        base_id=base_id(model),
        base_path=root,
        base_label=base_label,
        max_batch_size=max_batch_size,
        prefill_tokens=32768 if chosen == "cuda" else 8192,
        metrics=metrics,
    )
    for name, path in (adapters or {}).items():
        engine.load_adapter(name, path, source="startup").result()
    return engine
