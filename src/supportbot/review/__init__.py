"""Conversation-history review for admins: a web app behind a login, and the `history` CLI.

Admins read what the bot said, rate it, correct it and approve it for training; the approved
and corrected conversations are exported as OpenAI chat JSONL for the next training run.
"""
