"""The embedder: real forward passes of the packaged all-MiniLM-L6-v2."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from core.errors import ModelUnavailable
from retrieval.embedder import DEFAULT_EMBEDDER, canonical_name, load_embedder, packaged_model_path

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
