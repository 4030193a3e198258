"""Who is on the support team: the members of the support user group (Slack's
``usergroups.users.list``, kept for a minute) and the supportbot admins.

A hand-over's steps (take, resolve, hand back) are theirs (usecases.handover's ``Agents``), and so
is the approval of an irreversible action put to the support channel (usecases.action_calls'
``Approvers``) — there, with no support group set, only the admins. A group Slack cannot list (a
wrong id, a missing scope) lets nobody but the admins in: it is logged, not cached, so the next
click asks again.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

log = logging.getLogger(__name__)

MEMBERS_TTL_S = 60.0  # a member added to the group can act within a minute


class SupportTeam:
    def __init__(
        self,
        client: Any,
        *,
        group: str | None,
        admins: Iterable[str] = (),
        ttl_s: float = MEMBERS_TTL_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.group = group
        self.admins = frozenset(admins)
        self.ttl_s = ttl_s
        self._clock = clock
        self._lock = threading.Lock()
        self._members: dict[str, tuple[float, frozenset[str]]] = {}

    def may_act(self, user: str, *, group: str | None = None) -> bool:
        """Whether ``user`` may take a hand-over's steps: an admin, or a member of the support
        group or of ``group`` (the one the conversation's channel tags). With no group at all,
        anyone may (as before there was a support team to ask)."""
        if user in self.admins:
            return True
        groups = [g for g in dict.fromkeys((self.group, group)) if g]
        if not groups:
            return True
        return any(user in self.members(g) for g in groups)

    def may_approve(self, user: str, *, group: str | None = None) -> bool:
        """Whether ``user`` may approve (or cancel) an irreversible action: an admin, or a member of
        the support group or of ``group``. Unlike ``may_act``, no group means admins only: what
        cannot be undone is never open to anyone who can read the channel."""
        if user in self.admins:
            return True
        groups = [g for g in dict.fromkeys((self.group, group)) if g]
        return any(user in self.members(g) for g in groups)

    def members(self, group: str) -> frozenset[str]:
        """The group's members, from Slack at most once per ``ttl_s`` (empty when Slack refuses)."""
        now = self._clock()
        with self._lock:
            cached = self._members.get(group)
            if cached is not None and now - cached[0] < self.ttl_s:
                return cached[1]
        from slack_sdk.errors import SlackApiError

        try:
            response = self.client.usergroups_users_list(usergroup=group)
        except SlackApiError as exc:
            log.error("cannot list the members of user group %s: %s", group, exc.response.get("error"))
            return frozenset()
        members = frozenset(u for u in response.get("users") or [] if isinstance(u, str))
        with self._lock:
            self._members[group] = (now, members)
        return members
