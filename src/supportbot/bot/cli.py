"""`supportbot bot` (Slack) and `supportbot chat` (terminal)."""

from __future__ import annotations

import gc
import sys

import click


@click.command()
@click.option("--mode", type=click.Choice(["socket", "http"]), default="socket", show_default=True)
@click.option("--host", default="0.0.0.0", show_default=True, help="HTTP mode: address to listen on.")
@click.option("--port", default=3000, show_default=True, type=int, help="HTTP mode: port.")
@click.option("--workers", default=32, show_default=True, type=int, help="Threads answering questions.")
@click.option(
    "--health-port",
    default=3000,
    show_default=True,
    type=int,
    help="Socket Mode: serve /health on this port (0: none). HTTP mode serves it beside /slack/events.",
)
@click.option(
    "--process-before-response",
    is_flag=True,
    help="Answer before acking (for platforms that freeze a process once it has responded).",
)
def bot(
    mode: str, host: str, port: int, workers: int, health_port: int, process_before_response: bool
) -> None:
    """Run the Slack bot: Socket Mode (SLACK_APP_TOKEN) or HTTP on /slack/events."""
    from supportbot.bot.runtime import build_responder, health_check
    from supportbot.bot.slack_app import create_app, http_app
    from supportbot.core.context import AppContext
    from supportbot.core.errors import ConfigError
    from supportbot.usecases.warm_up import warm_up

    ctx = AppContext.open()
    settings = ctx.settings
    if mode == "socket" and not settings.slack_app_token:
        raise ConfigError(
            "SLACK_APP_TOKEN is not set (Socket Mode needs an app-level token; or use --mode http)"
        )
    if mode == "http" and not settings.slack_signing_secret:
        raise ConfigError("SLACK_SIGNING_SECRET is not set (HTTP mode verifies every request with it)")
    responder = build_responder(ctx)
    click.echo(f"supportbot: warmed up in {warm_up(responder):.1f} s")
    # torch, transformers and the rest leave ~150k long-lived objects: a full garbage collection
    # walks them all, holding the GIL (acks included) for ~80 ms on a 2-core machine. Collect once
    # now and move what is left out of the collector's way for good.
    gc.collect()
    gc.freeze()
    bot = create_app(
        settings=settings,
        responder=responder,
        workers=workers,
        process_before_response=process_before_response,
    )
    health = health_check(responder, bot.inbox)
    if mode == "socket":
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        if health_port:
            from supportbot.core.webserver import BackgroundServer

            BackgroundServer(
                http_app(None, health=health, events=False, metrics=bot.metrics),
                host=host,
                port=health_port,
                name="bot-health",
            ).start()
            click.echo(f"supportbot: health on http://{host}:{health_port}/health")
        click.echo("supportbot: connected to Slack in Socket Mode (Ctrl-C to stop)")
        SocketModeHandler(bot.app, settings.secret("slack_app_token")).start()
    else:
        import uvicorn

        click.echo(f"supportbot: Slack events on http://{host}:{port}/slack/events")
        uvicorn.run(
            http_app(bot, health=health, signing_secret=settings.secret("slack_signing_secret")),
            host=host,
            port=port,
            log_level="warning",
            access_log=False,
        )


@click.command()
def chat() -> None:
    """Talk to the bot in the terminal (questions from stdin; no Slack needed)."""
    from supportbot.bot.local_chat import local_chat_main
    from supportbot.core.context import AppContext

    ctx = AppContext.open()
    local_chat_main(ctx, stdin=sys.stdin, stdout=sys.stdout)
