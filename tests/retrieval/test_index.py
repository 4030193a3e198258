"""The FAISS index against brute-force numpy: search, incremental changes, save/load."""

from __future__ import annotations

import numpy as np
import pytest

from supportbot.core.errors import IndexMismatch
from supportbot.retrieval.faiss_index import TicketIndex, choose_kind, ivf_params
from supportbot.retrieval.index_files import load_index, save_index
from supportbot.retrieval.manifest import Manifest
from tests.retrieval.conftest import brute_force, clustered

DIM = 32
N = 3000


@pytest.fixture(scope="module")
def data():
    base = clustered(N, DIM, seed=1)
    ids = np.arange(10, 10 + 7 * N, 7, dtype=np.int64)  # ticket ids are not positions
    queries = clustered(50, DIM, seed=2)
    return base, ids, queries


def recall(found: np.ndarray, truth: np.ndarray) -> float:
    return float(np.mean([len(set(f) & set(t)) / len(t) for f, t in zip(found, truth, strict=True)]))


def test_flat_equals_brute_force(data):
    base, ids, queries = data
    index = TicketIndex.build(ids, base, kind="flat")
    scores, found = index.search(queries, 10)
    ref_scores, ref_ids = brute_force(base, ids, queries, 10)
    np.testing.assert_array_equal(found, ref_ids)
    np.testing.assert_allclose(scores, ref_scores, rtol=1e-5, atol=1e-5)


def test_ivf_probing_every_list_is_exact_and_default_probing_is_close(data):
    base, ids, queries = data
    index = TicketIndex.build(ids, base, kind="ivf")
    assert index.params["nlist"] == ivf_params(N)["nlist"] > 1
    ref_scores, ref_ids = brute_force(base, ids, queries, 5)
    assert recall(index.search(queries, 5)[1], ref_ids) >= 0.9
    index.index.nprobe = index.params["nlist"]
    scores, found = index.search(queries, 5)
    np.testing.assert_array_equal(found, ref_ids)
    np.testing.assert_allclose(scores, ref_scores, rtol=1e-5, atol=1e-5)


def test_hnsw_is_close_to_brute_force(data):
    base, ids, queries = data
    index = TicketIndex.build(ids, base, kind="hnsw")
    _, ref_ids = brute_force(base, ids, queries, 5)
    assert recall(index.search(queries, 5)[1], ref_ids) >= 0.95


@pytest.mark.parametrize("kind", ["flat", "ivf", "hnsw"])
def test_add_update_remove_without_rebuild(data, kind):
    base, ids, queries = data
    index = TicketIndex.build(ids[:2000], base[:2000], kind=kind)
    faiss_object = index.index
    if kind == "ivf":
        index.index.nprobe = index.params["nlist"]  # exact, so results compare one to one
        centroids = index.index.quantizer.reconstruct_n(0, index.params["nlist"]).copy()

    # add 1000 new tickets, replace 100 (same id, new vector), remove 300
    index.add(ids[2000:], base[2000:])
    replaced = ids[:100]
    new_vectors = clustered(100, DIM, seed=3)
    index.upsert(replaced, new_vectors)
    removed = ids[500:800]
    assert index.remove(removed) == 300
    assert index.remove(removed) == 0  # already gone

    expected = base.copy()
    expected[:100] = new_vectors
    keep = ~np.isin(ids, removed)
    assert index.count == keep.sum()
    np.testing.assert_array_equal(index.ids(), np.sort(ids[keep]))
    ref_scores, ref_ids = brute_force(expected[keep], ids[keep], queries, 5)
    scores, found = index.search(queries, 5)
    assert not np.isin(found, removed).any()
    if kind == "hnsw":
        assert recall(found, ref_ids) >= 0.95
        assert index.tombstones == 400 and index.index is faiss_object  # marked, not rebuilt
    else:
        np.testing.assert_array_equal(found, ref_ids)
        np.testing.assert_allclose(scores, ref_scores, rtol=1e-5, atol=1e-5)
        assert index.index is faiss_object
    if kind == "ivf":  # not retrained
        np.testing.assert_array_equal(
            index.index.quantizer.reconstruct_n(0, index.params["nlist"]), centroids
        )


def test_hnsw_compacts_when_tombstones_pile_up(data):
    base, ids, queries = data
    index = TicketIndex.build(ids[:1000], base[:1000], kind="hnsw")
    index.remove(ids[:150])
    assert index.tombstones == 150 and index.ntotal == 1000
    index.remove(ids[150:300])  # past a fifth of the graph: rebuilt from the stored vectors
    assert index.tombstones == 0 and index.ntotal == 700
    _, ref_ids = brute_force(base[300:1000], ids[300:1000], queries, 5)
    assert recall(index.search(queries, 5)[1], ref_ids) >= 0.95


def test_fewer_tickets_than_k_pads_with_minus_one():
    base = clustered(3, DIM, seed=4)
    index = TicketIndex.build([5, 6, 7], base, kind="flat")
    _, found = index.search(base[:1], 5)
    assert sorted(found[0][:3]) == [5, 6, 7] and list(found[0][3:]) == [-1, -1]
    empty = TicketIndex.empty(dim=DIM, kind="flat")
    assert (empty.search(base[:1], 3)[1] == -1).all()


@pytest.mark.parametrize("kind", ["flat", "ivf", "hnsw"])
def test_save_load_round_trip(tmp_path, data, kind):
    base, ids, queries = data
    index = TicketIndex.build(ids, base, kind=kind)
    if kind == "hnsw":
        index.remove(ids[:10])  # tombstones travel in the FAISS file
    before = index.search(queries, 5)
    manifest = save_index(tmp_path, index, embedder="test-model", fingerprint="abc")
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(".")) == sorted(
        ["manifest.json", manifest.faiss_file]
    )
    loaded, read = load_index(tmp_path)
    assert read == manifest
    assert (read.index_type, read.count, read.dim) == (kind, index.count, DIM)
    after = loaded.search(queries, 5)
    np.testing.assert_array_equal(after[1], before[1])
    np.testing.assert_array_equal(after[0], before[0])

    # a second save replaces the file; the old one is gone
    loaded.remove(ids[-5:])
    second = save_index(tmp_path, loaded, embedder="test-model", fingerprint="def")
    assert second.faiss_file != manifest.faiss_file
    assert not (tmp_path / manifest.faiss_file).exists()
    assert load_index(tmp_path)[0].count == index.count - 5


def test_manifest_refusals(tmp_path, data):
    base, ids, _ = data
    manifest = save_index(
        tmp_path, TicketIndex.build(ids[:50], base[:50], kind="flat"), embedder="m", fingerprint="f"
    )
    with pytest.raises(IndexMismatch, match=r"built with the embedder 'm'.*run `supportbot index build`"):
        manifest.check_embedder(name="other")
    with pytest.raises(IndexMismatch, match=r"dimensional.*run `supportbot index build`"):
        manifest.check_embedder(name="m", dim=384)
    with pytest.raises(IndexMismatch, match=r"no longer matches the tickets table.*index build"):
        manifest.check_tickets(count=50, digest="changed")
    with pytest.raises(IndexMismatch, match="no longer matches"):
        manifest.check_tickets(count=51, digest="f")
    manifest.check_tickets(count=50, digest="f")
    (tmp_path / manifest.faiss_file).unlink()
    with pytest.raises(IndexMismatch, match="missing"):
        load_index(tmp_path)
    with pytest.raises(IndexMismatch, match="no ticket index"):
        Manifest.read(tmp_path / "nowhere")


def test_choose_kind():
    assert choose_kind("auto", count=10, threshold=100) == "flat"
    assert choose_kind("auto", count=101, threshold=100) == "ivf"
    assert choose_kind("hnsw", count=10, threshold=100) == "hnsw"
    assert ivf_params(1_000_000)["nlist"] == 4096
    assert ivf_params(10)["nlist"] == 1  # too few to split: one list, i.e. exact
