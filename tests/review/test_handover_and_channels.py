"""The review app shows the hand-over state of a conversation and every channel's settings."""

from __future__ import annotations

from supportbot.usecases import handover
from supportbot.usecases.channels import set_channel_setting


def test_the_conversation_page_shows_the_hand_over_state(admin, seeded, sessions):
    cid = seeded.password
    page = admin.get(f"/conversations/{cid}").text
    assert "The bot is in charge." in page and "Summary for the agent" not in page

    reply = seeded.replies[cid][0]
    done = handover.hand_over(sessions, reply_id=reply, actor="U2")
    page = admin.get(f"/conversations/{cid}").text
    assert "handover-waiting" in page and "waiting for a human" in page
    first, second = done.summary.split("\n")
    assert "Summary for the agent" in page and first in page and second in page

    handover.note_human_joined(sessions, conversation_id=cid, user="UAGENT")
    handover.claim(sessions, conversation_id=cid, agent="UAGENT")
    page = admin.get(f"/conversations/{cid}").text
    assert "handover-claimed" in page and "by <b>UAGENT</b>" in page and "Bot quiet since" in page

    handover.resolve(sessions, conversation_id=cid, agent="UAGENT")
    handover.record_csat(sessions, conversation_id=cid, user="U2", score=4)
    page = admin.get(f"/conversations/{cid}").text
    assert "handover-resolved" in page and '<b class="csat">4/5</b>' in page
    assert "conversation.claim" in page and "conversation.resolve" in page  # the activity list


def test_the_channels_page_lists_channel_settings(admin, sessions, settings):
    page = admin.get("/channels")
    assert page.status_code == 200 and 'id="no-channels"' in page.text
    assert 'href="/channels" class="active"' in page.text

    set_channel_setting(sessions, team="T1", channel="C0HELP", name="mode", value="all", actor="UADMIN")
    set_channel_setting(sessions, team="T1", channel="C0HELP", name="private", value="on", actor="UADMIN")
    set_channel_setting(sessions, team="T1", channel="C0VIP", name="group", value="S0VIP", actor="UADMIN")
    page = admin.get("/channels").text
    help_row = page[page.index('data-channel="C0HELP"') :].split("</tr>")[0]
    assert "every new message" in help_row and "<td>on</td>" in help_row and "<b>UADMIN</b>" in help_row
    vip_row = page[page.index('data-channel="C0VIP"') :].split("</tr>")[0]
    assert "only mentions" in vip_row and "<code>S0VIP</code>" in vip_row and "<td>off</td>" in vip_row


def test_the_channels_page_needs_a_login(client):
    response = client.get("/channels")
    assert response.status_code in (302, 303) and "/login" in response.headers["location"]
