"""@mentions, direct messages and follow-ups in the bot's threads.

A global middleware makes each delivery durable before Bolt acks it (bot.listeners.door); the
listeners then work the spooled entry off on Bolt's worker pool, rendering in Slack what the
pipeline (usecases.respond) plans for it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from supportbot.bot.blocks import (
    answer_blocks,
    delayed_text,
    offer_human,
    share_blocks,
    text_block,
    working_text,
)
from supportbot.bot.delivery import Inbox
from supportbot.bot.listeners.assistant import show_working, suggest_related
from supportbot.bot.listeners.door import Door
from supportbot.bot.metrics import BotMetrics
from supportbot.bot.spool import Entry, transient
from supportbot.bot.streaming import StreamedReply
from supportbot.bot.support_channel import Request, post_approval_request, post_relay, post_request
from supportbot.core.originals import Sealer
from supportbot.usecases.alerts import check_surge, note_posted
from supportbot.usecases.answer import Responder
from supportbot.usecases.messages import TEAM, Reply
from supportbot.usecases.respond import Pipeline, Plan, Step, Where
from supportbot.usecases.threads import attach_slack_ts

if TYPE_CHECKING:
    from slack_bolt import App

    from supportbot.core.settings import Settings

log = logging.getLogger(__name__)

SPOOL_KEY = "supportbot_spool_key"
FAILED = "⚠️ Something went wrong on my side; a member of the support team will follow up."


def reply_blocks(reply: Reply, *, with_text: bool = True) -> list[dict[str, Any]]:
    """The answer's blocks, with a person offered at once where the plan offers one."""
    blocks = answer_blocks(reply, with_text=with_text)
    return offer_human(blocks) if reply.offer_human and not reply.escalated else blocks


class Answering:
    """Renders in Slack what the pipeline (usecases.respond) plans for a spooled message: the
    "working" status, the answer streamed or into a placeholder, the hand-over request."""

    def __init__(
        self,
        *,
        client: Any,
        responder: Responder,
        settings: Settings,
        inbox: Inbox,
        posts: Executor,
        metrics: BotMetrics,
    ) -> None:
        self.metrics = metrics
        self.client = client
        self.responder = responder
        self.pipeline = Pipeline(responder, settings)
        self.settings = settings
        self.inbox = inbox
        self.posts = posts

    def deliver(self, entry: Entry) -> None:
        """Whatever the pipeline plans for the message: quiet, the hand-over text, or an answer."""
        plan = self.pipeline.take(entry.incoming, where=Where(entry.kind), retry=entry.attempts > 0)
        if plan.step is Step.repeat:
            log.info("message %s already handled (a second delivery)", entry.key)
        if plan.relay is not None and not entry.relayed and self.relay(plan):
            self.inbox.note_relayed(entry)  # a retry (the answer failing below) posts it once
        try:
            if plan.step is Step.handover:
                assert plan.reply is not None
                self.post_handover(entry, plan.reply)
            elif plan.step is Step.answer:
                show_working(self.client, entry.incoming, first=plan.first_in_thread)
                if plan.private:
                    self.answer_privately(entry, plan)
                else:
                    self.answer(entry, plan)
        finally:
            if plan.negative:
                self.watch_mood()

    def post_handover(self, entry: Entry, reply: Reply) -> None:
        """No answer: the customer is told a person takes over, and the support team is tagged."""
        incoming = entry.incoming
        assert incoming.channel
        self.metrics.answers.labels(reply.outcome.value).inc()
        ts = self._post(entry, text=reply.text, blocks=answer_blocks(reply), existing=entry.placeholder_ts)
        attach_slack_ts(self.responder.sessions, reply_id=reply.message_id, channel=incoming.channel, ts=ts)
        self.after_reply(entry, reply)

    def watch_mood(self) -> None:
        """After a negative message: a surge of them posts one alert to the support channel."""
        channel = self.settings.alert_channel
        if not channel:
            return
        try:
            surge = check_surge(self.responder.sessions, self.settings)
            if surge is None:
                return
            posted = self.client.chat_postMessage(channel=channel, text=surge.text())
            note_posted(
                self.responder.sessions, alert_id=surge.alert_id, channel=channel, ts=posted.get("ts")
            )
        except Exception:  # an alert must never cost the customer an answer
            log.exception("checking for or posting a sentiment alert failed")

    def answer_privately(self, entry: Entry, plan: Plan) -> None:
        """Private mode: the answer only the asker sees, with "Share with the channel"."""
        incoming = entry.incoming
        assert incoming.channel and incoming.user
        reply = self.pipeline.answer(plan)
        self.metrics.answers.labels(reply.outcome.value).inc()
        posted = self.client.chat_postEphemeral(
            channel=incoming.channel,
            user=incoming.user,
            thread_ts=incoming.thread_ts,
            text=reply.text,
            blocks=share_blocks(reply_blocks(reply), reply.message_id),
        )
        # Its buttons are checked against the message they are on, this ephemeral one.
        attach_slack_ts(
            self.responder.sessions,
            reply_id=reply.message_id,
            channel=incoming.channel,
            ts=posted["message_ts"],
        )
        self.after_reply(entry, reply)

    def after_reply(self, entry: Entry, reply: Reply) -> None:
        """A hand-over the gate decided puts the thread in front of the support team, and so does
        an irreversible action's approval; in an assistant thread, an answer's related questions
        become its suggested prompts."""
        desk, support = self.responder.actions, self.settings.support_channel
        if reply.approval is not None and reply.approval_by == TEAM and desk is not None and support:
            post_approval_request(self.client, desk, reply.approval, support_channel=support)
        escalation = self.pipeline.escalate(reply)
        if escalation is None:
            suggest_related(self.client, entry.incoming, reply)
            return
        incoming = entry.incoming
        assert incoming.channel
        request = Request(
            escalation.conversation_id,
            escalation.group,
            escalation.ask,
            escalation.summary,
            incoming.channel,
            incoming.thread_ts,
            incoming.user,
            escalation.open_request,
        )
        post_request(
            self.client, self.responder.sessions, request, support_channel=self.settings.support_channel
        )

    def relay(self, plan: Plan) -> bool:
        """A hand-over's relay: an agent's reply to the customer (a failure is the entry's), or the
        customer's turn to the support team (a failure must not cost the customer the answer).
        Whether it was posted."""
        assert plan.relay is not None
        if plan.relay.to_customer:
            post_relay(self.client, plan.relay)
            return True
        try:
            post_relay(self.client, plan.relay)
        except Exception:
            log.exception("could not relay message %s to the support channel", plan.question_id)
            return False
        return True

    def answer(self, entry: Entry, plan: Plan) -> None:
        """Stream the answer as it is written, or (streaming off, or a retry of an entry that
        posted a message already) answer into a placeholder."""
        if self.settings.slack_streaming and entry.placeholder_ts is None:
            self.answer_streamed(entry, plan)
        else:
            self.answer_in_placeholder(entry, plan)

    def answer_streamed(self, entry: Entry, plan: Plan) -> None:
        """The checked part of the draft is streamed into the thread while the model writes
        (bot.streaming); the sources and buttons come when the answer is done. An answer that
        becomes the best ticket or a hand-over shows none of the draft: it is posted whole."""
        incoming = entry.incoming
        assert incoming.channel and incoming.thread_ts
        started = time.perf_counter()

        def posted(ts: str) -> None:
            self.inbox.note_placeholder(entry, ts)
            self.metrics.first_text_seconds.observe(time.perf_counter() - started)

        streamed = StreamedReply(
            self.client,
            channel=incoming.channel,
            thread_ts=incoming.thread_ts,
            team=incoming.team,
            user=incoming.user,
            posts=self.posts,
            on_posted=posted,
            append_interval_s=self.settings.slack_stream_interval_s,
        )
        try:
            reply = self.pipeline.answer(plan, on_text=streamed.offer)
        except Exception as exc:
            streamed.abandon()
            if transient(exc):
                raise  # the database is away: the inbox keeps the question and retries
            log.exception("answering message %s failed", plan.question_id)
            self.metrics.answers.labels("error").inc()
            self._post(entry, text=FAILED, blocks=[text_block(FAILED)], existing=streamed.ts)
            return
        self.metrics.answer_seconds.observe(time.perf_counter() - started)
        self.metrics.answers.labels(reply.outcome.value).inc()
        blocks = reply_blocks(reply)
        ts = streamed.finish(reply.text, blocks=blocks, extra_blocks=reply_blocks(reply, with_text=False))
        if ts is None:
            ts = self._post(entry, text=reply.text, blocks=blocks, existing=None)
        attach_slack_ts(self.responder.sessions, reply_id=reply.message_id, channel=incoming.channel, ts=ts)
        self.after_reply(entry, reply)

    def _post(self, entry: Entry, *, text: str, blocks: Any, existing: str | None) -> str:
        """Post ``text`` in the entry's thread (or replace the message ``existing``); its ts."""
        incoming = entry.incoming
        if existing is not None:
            self.client.chat_update(channel=incoming.channel, ts=existing, text=text, blocks=blocks)
            return existing
        ts = self.client.chat_postMessage(
            channel=incoming.channel, thread_ts=incoming.thread_ts, text=text, blocks=blocks
        )["ts"]
        self.inbox.note_placeholder(entry, ts)  # a retry updates this message, never posts twice
        return str(ts)

    def answer_in_placeholder(self, entry: Entry, plan: Plan) -> None:
        """Answer into the placeholder: posted now (beside the answering, so Slack's round trip
        is not added to the reply time), or the one an earlier attempt of this entry posted."""
        incoming = entry.incoming
        client = self.client

        def post_placeholder() -> str | None:
            try:
                posted = client.chat_postMessage(
                    channel=incoming.channel, thread_ts=incoming.thread_ts, text=working_text()
                )
            except Exception:
                log.exception("could not post the placeholder; answering without it")
                return None
            self.inbox.note_placeholder(entry, posted["ts"])
            return posted["ts"]

        if entry.placeholder_ts is not None:
            known = entry.placeholder_ts

            def placeholder() -> str | None:
                return known
        else:
            placeholder = self.posts.submit(post_placeholder).result

        started = time.perf_counter()
        try:
            assert incoming.channel
            reply = self.pipeline.answer(plan, shown_in=(incoming.channel, placeholder))
            blocks, text = reply_blocks(reply), reply.text
            self.metrics.answer_seconds.observe(time.perf_counter() - started)
            self.metrics.answers.labels(reply.outcome.value).inc()
        except Exception as exc:
            placeholder()  # known before the inbox decides what to show meanwhile
            if transient(exc):
                raise  # the database is away: the inbox keeps the question and retries
            log.exception("answering message %s failed", plan.question_id)
            self.metrics.answers.labels("error").inc()
            blocks, text, reply = None, FAILED, None
        placeholder_ts = placeholder()
        if placeholder_ts:
            # The reply was stored with the placeholder's ts already: one write less per answer.
            client.chat_update(channel=incoming.channel, ts=placeholder_ts, text=text, blocks=blocks)
            if reply is not None:
                if entry.placeholder_ts is not None and incoming.channel:
                    # A retry: the reply may have been stored before this message was noted (a
                    # streamed answer); its buttons must find it here.
                    attach_slack_ts(
                        self.responder.sessions,
                        reply_id=reply.message_id,
                        channel=incoming.channel,
                        ts=placeholder_ts,
                    )
                self.after_reply(entry, reply)
            return
        ts = client.chat_postMessage(
            channel=incoming.channel, thread_ts=incoming.thread_ts, text=text, blocks=blocks
        )["ts"]
        # Noted first: should storing the ts fail (the database), the retry updates this message
        # instead of posting the answer a second time.
        self.inbox.note_placeholder(entry, ts)
        if reply is not None and incoming.channel:
            attach_slack_ts(
                self.responder.sessions, reply_id=reply.message_id, channel=incoming.channel, ts=ts
            )
            self.after_reply(entry, reply)

    def on_delay(self, entry: Entry) -> None:
        """Told once per delayed question: the placeholder (or a new message) says we will answer."""
        incoming = entry.incoming
        if entry.placeholder_ts is not None:
            self.client.chat_update(channel=incoming.channel, ts=entry.placeholder_ts, text=delayed_text())
        elif entry.kind not in ("thread", "channel"):  # maybe not for the bot at all: stay quiet
            posted = self.client.chat_postMessage(
                channel=incoming.channel, thread_ts=incoming.thread_ts, text=delayed_text()
            )
            self.inbox.note_placeholder(entry, posted["ts"])


def register(
    app: App,
    *,
    responder: Responder,
    settings: Settings,
    inbox: Inbox,
    metrics: BotMetrics,
    posts: Executor | None = None,
) -> Callable[[Any], tuple[int | None, str | None]]:
    """The listeners for questions; returns the door's spool for the HTTP endpoint."""
    posts = posts or ThreadPoolExecutor(max_workers=16, thread_name_prefix="slack-placeholder")
    door = Door(inbox=inbox, sealer=Sealer.from_settings(settings), metrics=metrics)
    answering = Answering(
        client=app.client, responder=responder, settings=settings, inbox=inbox, posts=posts, metrics=metrics
    )
    inbox.deliver = answering.deliver
    inbox.on_delay = answering.on_delay

    from slack_bolt import BoltResponse

    bot_user: dict[str, str | None] = {}

    def own_user_id() -> str | None:
        """This app's bot user (asked once): its own posts are never questions."""
        if "id" not in bot_user:
            bot_user["id"] = app.client.auth_test().get("user_id")
        return bot_user["id"]

    def spool(body: Any) -> tuple[int | None, str | None]:
        """For the HTTP endpoint, which spools before it dispatches, on a thread (an fsync must not
        hold the event loop); the middleware does it for Socket Mode and anything else."""
        return door.spool(body, own_user_id())

    @app.middleware
    def spool_questions(body: dict[str, Any], context: Any, next: Any) -> Any:
        """Before the ack: a question is made durable, or the delivery is not acked (503)."""
        if context.get(SPOOL_KEY) is not None:
            return next()  # spooled by the HTTP endpoint already
        status, key = door.spool(body, context.get("bot_user_id"))
        if status is not None:
            return BoltResponse(status=status, body="")
        if key is not None:
            context[SPOOL_KEY] = key
        return next()

    def work(context: Any) -> None:
        key = context.get(SPOOL_KEY)
        if key is not None:
            inbox.run(key)

    @app.event("app_mention")
    def on_mention(context: Any) -> None:
        work(context)

    @app.event("message")
    def on_message(context: Any) -> None:
        work(context)

    return spool
