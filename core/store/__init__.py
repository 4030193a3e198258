"""Store functions: keyword-only, one concern per module, a SQLAlchemy session passed in.

The caller owns the transaction (``core.db.transaction``); these functions flush, never commit.
"""

from core.store.audit import audit, audit_entries
from core.store.conversation_filter import ConversationFilter
from core.store.conversation_list import ConversationRow, count_conversations, list_conversations
from core.store.conversation_stats import (
    DayCounts,
    VersionRating,
    approved_total,
    conversations_per_day,
    rating_by_version,
    status_totals,
)
from core.store.conversations import (
    find_conversation,
    get_conversation,
    get_or_create_conversation,
    set_approved,
    set_status,
    status_of,
)
from core.store.export import conversation_to_chat, training_conversations
from core.store.feedback import record_feedback
from core.store.jobs import (
    claim_job,
    count_jobs,
    enqueue_job,
    finish_job,
    get_job,
    heartbeat,
    list_jobs,
    reap_stale_jobs,
    request_cancel,
    request_retrain,
    requeue_job,
)
from core.store.messages import (
    Hit,
    Recorded,
    find_message,
    message_by_slack_ts,
    record_reply,
    record_user_turn,
    reply_to,
    set_slack_ts,
    thread_history,
)
from core.store.model_versions import (
    activate,
    active_model_version,
    create_model_version,
    get_model_version,
    list_model_versions,
    previous_version,
    rollback,
)
from core.store.status import row_counts
from core.store.ticket_reads import (
    all_questions,
    question_pages,
    question_texts,
    resolved_conversations,
    ticket_resolutions,
)
from core.store.tickets import (
    content_hash,
    count_tickets,
    delete_ticket,
    get_ticket,
    get_tickets,
    ids_for_external,
    iter_tickets,
    ticket_hashes,
    upsert_ticket,
)

__all__ = [
    "ConversationFilter",
    "ConversationRow",
    "DayCounts",
    "Hit",
    "Recorded",
    "VersionRating",
    "activate",
    "active_model_version",
    "all_questions",
    "approved_total",
    "audit",
    "audit_entries",
    "claim_job",
    "content_hash",
    "conversation_to_chat",
    "conversations_per_day",
    "count_conversations",
    "count_jobs",
    "count_tickets",
    "create_model_version",
    "delete_ticket",
    "enqueue_job",
    "find_conversation",
    "find_message",
    "finish_job",
    "get_conversation",
    "get_job",
    "get_model_version",
    "get_or_create_conversation",
    "get_ticket",
    "get_tickets",
    "heartbeat",
    "ids_for_external",
    "iter_tickets",
    "list_conversations",
    "list_jobs",
    "list_model_versions",
    "message_by_slack_ts",
    "previous_version",
    "question_pages",
    "question_texts",
    "rating_by_version",
    "reap_stale_jobs",
    "record_feedback",
    "record_reply",
    "record_user_turn",
    "reply_to",
    "request_cancel",
    "request_retrain",
    "requeue_job",
    "resolved_conversations",
    "rollback",
    "row_counts",
    "set_approved",
    "set_slack_ts",
    "set_status",
    "status_of",
    "status_totals",
    "thread_history",
    "ticket_hashes",
    "ticket_resolutions",
    "training_conversations",
    "upsert_ticket",
]
