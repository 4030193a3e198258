"""The conversation page lists the declared actions called there: what, its state, the parameters as
stored (redacted), the HTTP status or why it failed, and who asked and decided."""

from __future__ import annotations

from supportbot.core import store
from supportbot.core.db import transaction
from supportbot.core.enums import ActionState


def test_the_conversation_page_lists_its_action_calls(admin, seeded, sessions):
    with transaction(sessions) as s:
        done = store.create_action_call(
            s, conversation_id=seeded.order, message_id=None, action="order_status", risk="read",
            state=ActionState.running, params={"order_id": 1234}, requested_by="U1",
        )  # fmt: skip
        store.finish_action_call(
            s, call_id=done.id, ok=True, http_status=200, answer="Order 1234 is shipped, expected Friday."
        )
        failed = store.create_action_call(
            s, conversation_id=seeded.order, message_id=None, action="resend_receipt", risk="write",
            state=ActionState.pending, params={"email": "[EMAIL]"}, requested_by="U1",
        )  # fmt: skip
        assert store.start_action_call(s, call_id=failed.id, decided_by="U1")
        assert not store.start_action_call(s, call_id=failed.id, decided_by="U1")  # once only
        store.finish_action_call(
            s, call_id=failed.id, ok=False, http_status=500, error="the service answered HTTP 500"
        )
    page = admin.get(f"/conversations/{seeded.order}").text
    actions = page[page.index("<h2>Actions</h2>") : page.index("<h2>Activity</h2>")]
    assert actions.index("order_status") < actions.index("resend_receipt")
    for expected in [
        "action-done", "HTTP 200", "order_id: 1234", "Order 1234 is shipped, expected Friday.",
        "action-failed", "HTTP 500", "email: [EMAIL]", "the service answered HTTP 500", "approved by <b>U1</b>",
    ]:  # fmt: skip
        assert expected in actions
    assert "<h2>Actions</h2>" not in admin.get(f"/conversations/{seeded.password}").text
