"""The Slack app: listeners → responder (Slack-free use case) → model client; Block Kit rendering;
a local chat when no Slack tokens are set."""
