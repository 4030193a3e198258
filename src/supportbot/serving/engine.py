"""The engine: a loaded model served by one generation loop, and what callers ask of it.

Continuous batching: the loop runs in a thread of its own. Each turn it takes in what arrived
(:mod:`serving.job`: new sequences, and calls such as adapter loads, run between two steps),
and the :mod:`serving.scheduler` drops abandoned sequences, admits waiting ones (prefilled
together and merged into the batch by the :mod:`serving.runner`) and runs one decode step for
the whole batch; :mod:`serving.outputs` turns every row's logits into its caller's events.
Requests for different adapters (:mod:`serving.adapters`) share the same forward passes.

Callers on the event loop use :meth:`Engine.submit`, which returns a :class:`~serving.job.Job`
whose ``events()`` yield each choice's text as it grows (streaming) or once at the end.

While the loop runs, the start-up heap is frozen (:mod:`serving.startup_heap`): the garbage
collector's full passes would otherwise stall every request in flight for a quarter of a second.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from supportbot.serving import startup_heap
from supportbot.serving.adapters import AdapterManager, ModelName, Target
from supportbot.serving.job import Inbox, Job
from supportbot.serving.loader import context_window, eos_ids
from supportbot.serving.metrics import ServerMetrics
from supportbot.serving.outputs import OutputProcessor
from supportbot.serving.runner import ModelRunner
from supportbot.serving.sampling import SamplingParams
from supportbot.serving.scheduler import Scheduler
from supportbot.serving.sequence import Seq, sequences_of

log = logging.getLogger(__name__)


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
        self.tokenizer = tokenizer  # for the event loop (prompts, templates, token strings)
        # The loop decodes with its own copy: a fast tokenizer must not be used by two threads.
        self._loop_tokenizer = copy.deepcopy(tokenizer)
        # Prompts are templated and tokenized on threads of their own, each with its own copy of
        # the tokenizer: CPU work off the event loop (a long prompt used to stall every request),
        # and one long prompt does not hold up the others.
        self._prompt_source = tokenizer
        self._prompt_local = threading.local()
        self._prompt_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="tokenize")
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
        if generation is not None and bool(generation.do_sample):
            self.default_temperature = float(generation.temperature or 1.0)
            self.default_top_p = float(generation.top_p or 1.0)
        else:
            self.default_temperature, self.default_top_p = 0.0, 1.0
        self._adapters = AdapterManager(
            model,
            base_id=base_id,
            base_label=base_label,
            chat_template=self.chat_template,
            eos_ids=self.eos_ids,
            tokenizer_size=len(tokenizer),
            device=self.device,
        )
        self._runner = ModelRunner(self._adapters, pad_token_id=tokenizer.pad_token_id, device=self.device)
        self._scheduler = Scheduler(
            self._runner,
            OutputProcessor(self.metrics),
            max_batch_size=max_batch_size,
            prefill_tokens=prefill_tokens,
            metrics=self.metrics,
        )
        self._inbox: Inbox[list[Seq]] = Inbox(self._scheduler.add)
        self._thread: threading.Thread | None = None
        self._stopping = False
        self._token_text: dict[int, str] = {}

    # --- lifecycle ------------------------------------------------------------------------------

    def start(self) -> Engine:
        if self._thread is None:
            startup_heap.freeze()
            self._thread = threading.Thread(target=self._run, name="generation-loop", daemon=True)
            self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        if self._thread is None:
            return
        self._stopping = True
        self._inbox.wake()
        self._thread.join(timeout)
        self._thread = None
        startup_heap.release()

    @property
    def model(self) -> Any:
        """The transformers model (under any LoRA layers)."""
        return self._adapters.base_model

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
        return self._adapters.resolve(name)

    def set_alias(self, alias: str, target: str, *, fingerprint: str | None = None) -> None:
        """Point ``alias`` (e.g. "supportbot") at the base or an adapter."""
        self._adapters.set_alias(alias, target, fingerprint=fingerprint)

    def remove_alias(self, alias: str) -> None:
        self._adapters.remove_alias(alias)

    def aliases(self) -> dict[str, str]:
        return self._adapters.aliases()

    def models(self) -> list[ModelName]:
        """id, root and parent, for /v1/models."""
        return self._adapters.models()

    def adapters(self) -> list[dict[str, str]]:
        return self._adapters.adapters()

    # --- prompts --------------------------------------------------------------------------------

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
    ) -> Future[dict[str, str]]:
        """Load (or replace) adapter ``name``. Requests already running keep the weights they began with."""
        files = self._adapters.check_load(name, path)
        return self.call_in_loop(lambda: self._adapters.load(name, files, label or name, source))

    def unload_adapter(self, name: str) -> Future[dict[str, str]]:
        self._adapters.check_unload(name)
        return self.call_in_loop(lambda: self._adapters.unload(name))

    def call_in_loop(self, fn: Callable[[], Any]) -> Future[Any]:
        """Run ``fn`` in the loop's thread between two steps (nothing else touches the model then)."""
        future: Future[Any] = Future()
        if self.alive:
            self._inbox.put_call(fn, future)
        else:  # not started (or stopped): nothing runs concurrently, do it here
            try:
                future.set_result(fn())
            except Exception as exc:
                future.set_exception(exc)
        return future

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
        meta: dict[str, Any] | None = None,
    ) -> Job:
        """Queue a request (call from the event loop); its events come from ``job.events()``.
        ``meta``: the response's fields, its system_fingerprint updated if the job's alias has
        moved on by the time it runs."""
        job = Job(
            prompts=prompts, n=n, params=params, target=target, stream=stream, arrived=arrived, meta=meta
        )
        if not self.alive:
            job.fail("the generation loop is not running", 503)
            return job
        seqs = sequences_of(
            job, context_window=self.context_window, tokenizer=self._loop_tokenizer, device=self.device
        )
        self._inbox.put_sequences(seqs)
        return job

    # --- the loop -------------------------------------------------------------------------------

    def _run(self) -> None:
        import torch

        scheduler, inbox, metrics = self._scheduler, self._inbox, self.metrics
        with torch.inference_mode():
            while not self._stopping:
                try:
                    inbox.drain(block=scheduler.idle)
                    if self._stopping:
                        break
                    scheduler.step()
                    metrics.queue_depth.set(len(scheduler.waiting))
                    metrics.running.set(len(self._runner.active))
                except Exception:  # the loop itself must survive anything
                    log.exception("generation loop: unexpected error; failing the running requests")
                    scheduler.fail_all("internal error in the generation loop")
        scheduler.fail_all("the server is shutting down", 503)


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
    from supportbot.serving.loader import base_id, choose_device, choose_dtype, load_base

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
