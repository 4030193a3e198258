"""`index eval`: our search against labelled queries, beside a BM25 baseline on the same tickets.

A query file is JSONL; each line has ``query`` and ``relevant_ticket_ids`` (external ids). For
each query the top k of each method is scored:

- hit@1: the first hit is relevant;          hit@k: some hit in the top k is relevant;
- precision@k: relevant hits / k;            recall@k: relevant hits / relevant tickets;
- MRR: 1 / rank of the first relevant hit in the top k (0 when none),
averaged over the queries. The minimum-score setting is not applied: this measures the ranking.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from supportbot.core import store
from supportbot.core.errors import InvalidInput
from supportbot.retrieval.bm25 import BM25
from supportbot.retrieval.rows import embed_text

METRICS = ("hit_at_1", "hit_at_k", "precision_at_k", "recall_at_k", "mrr")


@dataclass(frozen=True)
class EvalQuery:
    line: int
    query: str
    relevant: frozenset[str]


def load_queries(path: Path) -> list[EvalQuery]:
    """The labelled queries of a JSONL file; a malformed line fails with file:line and why."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"cannot read {path}: {exc}") from None
    queries = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InvalidInput(f"{path}:{number}: invalid JSON: {exc.msg}") from None
        query = row.get("query") if isinstance(row, dict) else None
        relevant = row.get("relevant_ticket_ids") if isinstance(row, dict) else None
        if not isinstance(query, str) or not query.strip():
            raise InvalidInput(f"{path}:{number}: no 'query' text")
        if not isinstance(relevant, list) or not relevant:
            raise InvalidInput(f"{path}:{number}: 'relevant_ticket_ids' must be a non-empty list")
        queries.append(EvalQuery(number, query.strip(), frozenset(str(r) for r in relevant)))
    if not queries:
        raise InvalidInput(f"{path}: no queries")
    return queries


def ranking_metrics(rankings: Sequence[Sequence[str]], relevant: Sequence[frozenset[str]], k: int) -> dict:
    """The averaged metrics of ranked external ids against the relevant sets (see module doc)."""
    if len(rankings) != len(relevant):
        raise ValueError("one ranking per query")
    totals = dict.fromkeys(METRICS, 0.0)
    for ranked, wanted in zip(rankings, relevant, strict=True):
        top = list(ranked)[:k]
        found = [r in wanted for r in top]
        totals["hit_at_1"] += float(bool(found) and found[0])
        totals["hit_at_k"] += float(any(found))
        totals["precision_at_k"] += sum(found) / k
        totals["recall_at_k"] += sum(found) / len(wanted)
        first = next((rank for rank, ok in enumerate(found, start=1) if ok), None)
        totals["mrr"] += 1.0 / first if first else 0.0
    n = max(1, len(rankings))
    return {name: round(value / n, 4) for name, value in totals.items()}


def _all_tickets(session: Session) -> tuple[list[int], list[str], dict[int, str]]:
    ids: list[int] = []
    texts: list[str] = []
    external: dict[int, str] = {}
    for ticket_id, external_id, question, body in store.all_questions(session):
        ids.append(ticket_id)
        texts.append(embed_text(question, body))
        external[ticket_id] = external_id
    return ids, texts, external


def evaluate(
    *,
    retriever: Any,
    sessions: sessionmaker[Session],
    queries: Sequence[EvalQuery],
    k: int,
    progress: bool = False,
) -> dict[str, Any]:
    """Our search and BM25 on the same queries and tickets: one dict, ``baseline`` inside."""
    with sessions() as session:
        ids, texts, external = _all_tickets(session)
    known = set(external.values())
    usable = [q for q in queries if q.relevant & known]
    skipped = [q.line for q in queries if not q.relevant & known]
    relevant = [q.relevant & known for q in usable]
    ours = retriever.search_many([q.query for q in usable], k=k, min_score=float("-inf"), progress=progress)
    ours_ranked = [[h.external_id for h in hits] for hits in ours]
    bm25 = BM25(ids, texts)
    base_ranked = [[external[i] for i, _ in bm25.search(q.query, k)] for q in usable]
    result: dict[str, Any] = {"k": k, "queries": len(usable)}
    result.update(ranking_metrics(ours_ranked, relevant, k))
    result["baseline"] = {"name": "bm25", **ranking_metrics(base_ranked, relevant, k)}
    if skipped:
        result["skipped_lines"] = skipped  # no relevant ticket of theirs is in the table
    return result
