"""Telling people: a message in the Slack channel (and thread) that asked for something.

The one place a Slack Web API client is built from the settings: the bot's app and the retraining
worker both talk to Slack through ``slack_client``, so both follow ``SUPPORTBOT_SLACK_API_URL``
the same way (tests point it at tests/fake_slack.py). slack_sdk is imported only when a client is
built.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from supportbot.core.settings import Settings

if TYPE_CHECKING:
    from slack_sdk import WebClient


def slack_client(settings: Settings, *, rate_limit_retries: int = 0) -> WebClient:
    """A WebClient with the bot token, against ``settings.slack_api_url`` when it is set.
    ``rate_limit_retries``: calls answered ``ratelimited`` (HTTP 429) are retried this many times,
    each after the Retry-After Slack sends (for bulk reads; a reply to a customer never waits)."""
    from slack_sdk import WebClient

    # slack_sdk joins the method name onto the base URL as it is: it must end with "/".
    base_url = settings.slack_api_url.rstrip("/") + "/" if settings.slack_api_url else WebClient.BASE_URL
    client = WebClient(token=settings.secret("slack_bot_token"), base_url=base_url)
    if rate_limit_retries:
        from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

        client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=rate_limit_retries))
    return client


def post_to_slack(settings: Settings, *, channel: str, text: str, thread_ts: str | None = None) -> bool:
    """Post ``text`` to ``channel`` (in ``thread_ts``); False, and nothing sent, without a bot token."""
    if not settings.secret("slack_bot_token"):
        return False
    slack_client(settings).chat_postMessage(channel=channel, thread_ts=thread_ts, text=text)
    return True
