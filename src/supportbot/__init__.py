"""supportbot: past support tickets and chat logs become a Slack bot that answers customers."""

__version__ = "0.1.0"
