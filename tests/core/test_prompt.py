from __future__ import annotations

import jinja2

from supportbot.core.prompt import CHAT_TEMPLATE, ContextTicket, build_messages, render_flat, trim_history


def test_chat_template_renders_exactly_the_flat_prompt():
    messages = build_messages(
        question="How do I reset my password?",
        history=[("user", "hi"), ("assistant", "Hello! How can I help?")],
        tickets=[ContextTicket("T-1", "Forgot password", "Use Settings > Security")],
    )
    env = jinja2.Environment()
    for gen in (True, False):
        rendered = env.from_string(CHAT_TEMPLATE).render(messages=messages, add_generation_prompt=gen)
        assert rendered == render_flat(messages, add_generation_prompt=gen)
    flat = render_flat(messages)
    assert flat.startswith("<|system|>\n") and flat.endswith(
        "<|user|>\nHow do I reset my password?<|end|>\n<|assistant|>\n"
    )
    assert "[T-1] Q: Forgot password A: Use Settings > Security" in flat


def test_agent_turns_speak_as_assistant():
    msgs = build_messages(question="ok?", history=[("user", "q"), ("agent", "a human answer")])
    assert [m["role"] for m in msgs] == ["system", "user", "assistant", "user"]


def test_trim_keeps_system_and_newest_turns():
    history = [("user" if i % 2 == 0 else "assistant", f"turn {i} " + "x" * 60) for i in range(20)]
    msgs = build_messages(question="latest", history=history)
    trimmed = trim_history(msgs, budget=150)
    assert trimmed[0]["role"] == "system" and trimmed[-1]["content"] == "latest"
    assert len(trimmed) < len(msgs)
    assert trimmed[1]["role"] == "user"  # never an orphaned answer first
    kept = [m["content"] for m in trimmed[1:-1]]
    assert kept == [m["content"] for m in msgs[-1 - len(kept) : -1]]  # the newest ones
