"""The embedder: real forward passes of the packaged all-MiniLM-L6-v2."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from supportbot.core.errors import ModelUnavailable
from supportbot.retrieval.embedder import DEFAULT_EMBEDDER, canonical_name, load_embedder, packaged_model_path

TEXTS = [
    "My order has not arrived yet",
    "How do I reset my password? The e-mail with the link never shows up, I checked the spam folder "
    "twice and asked a colleague to try as well.",
    "charged twice",
    "The app crashes on start",
    "",
]


def test_same_vectors_as_sentence_transformers(embedder):
    """Plain transformers + mean pooling is the model's recipe: sentence-transformers agrees."""
    from sentence_transformers import SentenceTransformer

    reference = SentenceTransformer(str(packaged_model_path()), device="cpu", local_files_only=True)
    expected = reference.encode(TEXTS, normalize_embeddings=True, convert_to_numpy=True)
    ours = embedder.encode(TEXTS)
    assert ours.dtype == np.float32 and ours.shape == (len(TEXTS), 384)
    np.testing.assert_allclose(ours, expected, atol=2e-5)


def test_normalised_and_independent_of_batching(embedder):
    together = embedder.encode(TEXTS, batch_size=2)
    one_by_one = np.vstack([embedder.encode([t]) for t in TEXTS])
    np.testing.assert_allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(together, one_by_one, atol=2e-5)  # order kept despite length sorting
    assert embedder.encode([]).shape == (0, 384)


def test_threads_share_one_embedder(embedder):
    expected = embedder.encode(TEXTS[:4])
    results: dict[int, np.ndarray] = {}
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            for _ in range(5):
                results[i] = embedder.encode([TEXTS[i % 4]])[0]
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for i, vector in results.items():
        np.testing.assert_allclose(vector, expected[i % 4], atol=2e-5)


def test_names(embedder):
    assert load_embedder("sentence-transformers/all-MiniLM-L6-v2") is embedder  # once per process
    assert canonical_name("all-minilm-l6-v2") == DEFAULT_EMBEDDER
    assert canonical_name(str(packaged_model_path())) == DEFAULT_EMBEDDER
    assert canonical_name("some-org/other-model") == "some-org/other-model"


def test_a_model_not_on_this_machine_is_one_clear_error(tmp_path):
    with pytest.raises(ModelUnavailable, match="nothing is downloaded"):
        load_embedder(str(tmp_path / "no-such-model"))


def test_batching_embedder_serves_concurrent_callers_in_one_pass(embedder):
    """Questions embedded from many threads at once come back right (each caller gets its own
    vectors) and share forward passes."""
    import threading

    import numpy as np

    from supportbot.retrieval.embedder import BatchingEmbedder

    class Counting:
        name, dim = embedder.name, embedder.dim

        def __init__(self) -> None:
            self.calls = 0
            self.sizes: list[int] = []
            self.gate = threading.Event()

        def encode(self, texts, *, batch_size=64, progress=False):
            self.calls += 1
            self.sizes.append(len(texts))
            self.gate.wait(5)  # hold the first pass so that the other callers queue up behind it
            return embedder.encode(texts, batch_size=batch_size, progress=progress)

    inner = Counting()
    shared = BatchingEmbedder(inner)
    texts = [
        f"my order {n} never arrived, where is it?" if n % 2 else f"reset password try {n}" for n in range(12)
    ]
    results: dict[int, np.ndarray] = {}

    def ask(n: int) -> None:
        results[n] = shared.encode([texts[n]])

    threads = [threading.Thread(target=ask, args=(n,)) for n in range(12)]
    for t in threads:
        t.start()
    import time

    def queued_behind_pass_1() -> bool:
        # The first pass takes whatever was queued when it started (one question or several).
        return bool(inner.sizes) and shared._queue.qsize() == len(texts) - inner.sizes[0]

    deadline = time.monotonic() + 10
    while not queued_behind_pass_1():
        assert time.monotonic() < deadline, (inner.sizes, shared._queue.qsize())
        time.sleep(0.01)
    inner.gate.set()
    for t in threads:
        t.join(10)
    expected = embedder.encode(texts)
    for n in range(12):
        assert results[n].shape == (1, embedder.dim)
        assert np.allclose(results[n][0], expected[n], atol=1e-5)
    assert inner.calls <= 3  # the waiting questions went through together

    # Bulk work bypasses the batching thread; errors reach the caller and the thread lives on.
    assert np.allclose(shared.encode(texts, progress=True), expected, atol=1e-5)

    class Broken(Counting):
        def encode(self, texts, *, batch_size=64, progress=False):
            raise RuntimeError("model exploded")

    broken = BatchingEmbedder(Broken())
    import pytest

    with pytest.raises(RuntimeError, match="exploded"):
        broken.encode(["x"])
    with pytest.raises(RuntimeError, match="exploded"):
        broken.encode(["y"])
