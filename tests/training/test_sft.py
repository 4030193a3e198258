from __future__ import annotations

import pytest

from supportbot.training.sft import IGNORE, Example, collate_packed, encode, pack


@pytest.fixture(scope="module")
def tokenizer(tiny_base):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(tiny_base)


CONVERSATION = [
    {"role": "system", "content": "You are support."},
    {"role": "user", "content": "My blender makes a grinding noise."},
    {"role": "assistant", "content": "Unplug it and check the blade assembly."},
    {"role": "user", "content": "Still noisy."},
    {"role": "assistant", "content": "Then request a warranty repair under Account > Orders."},
]


def test_only_assistant_tokens_carry_loss(tokenizer):
    ex = encode(tokenizer, CONVERSATION, max_length=512)
    learned = tokenizer.decode(
        [t for t, label in zip(ex.input_ids, ex.labels, strict=True) if label != IGNORE]
    )
    # Exactly the two answers, each with its end-of-turn marker; nothing of the user or system.
    assert learned == (
        "Unplug it and check the blade assembly.<|end|>\nThen request a warranty repair under Account > Orders.<|end|>\n"
    ) or learned == (
        "Unplug it and check the blade assembly.<|end|>Then request a warranty repair under Account > Orders.<|end|>"
    )
    assert "grinding" not in learned and "support" not in learned


def test_packing_keeps_every_label_and_restarts_positions(tokenizer):
    examples = [encode(tokenizer, CONVERSATION[: 3 + 2 * (i % 2)], max_length=512) for i in range(7)]
    rows = pack(examples, max_length=256, pad_id=tokenizer.pad_token_id)
    assert len(rows) < len(examples)
    assert sum(len(r) for r in rows) == sum(len(e) for e in examples)
    assert all(len(r) <= 256 for r in rows)
    # Only the first token of each example loses its label (it is never predicted across examples).
    kept = sum(r.trained_tokens for r in rows)
    assert kept == sum(
        e.trained_tokens for e in examples
    )  # first tokens are system markers, unlabelled anyway
    batch = collate_packed(rows, pad_id=tokenizer.pad_token_id)
    starts = int((batch.position_ids == 0).sum())
    assert starts == len(examples)
    assert batch.attention_mask is None


def test_packed_conversations_do_not_see_each_other(tiny_base):
    """A conversation packed after another gets the same logits as on its own row: the restarted
    position ids make the attention block-diagonal (with use_cache=False, as in training)."""
    import torch
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(tiny_base).eval()
    first = Example(list(range(5, 35)), list(range(5, 35)))
    second = Example(list(range(40, 60)), list(range(40, 60)))
    [row] = pack([first, second], max_length=64, pad_id=0)
    batch = collate_packed([row], pad_id=0)
    with torch.no_grad():
        packed = model(**batch.model_inputs()).logits[0]
        alone = model(input_ids=torch.tensor([second.input_ids]), use_cache=False).logits[0]
    start = row.input_ids.index(40)
    assert torch.allclose(packed[start : start + 20], alone, atol=1e-4)


def test_packed_attention_matches_the_masked_path_in_values_and_gradients(tiny_base):
    """Attending example by example (training.packed_attention) gives the logits and gradients of
    transformers' block-diagonal mask, on a batch of rows holding one, two and three examples."""
    import torch
    from transformers import AutoModelForCausalLM

    from supportbot.training.packed_attention import NAME, packed_attention

    model = AutoModelForCausalLM.from_pretrained(tiny_base)
    model.train()
    examples = [Example(list(range(5 + i, 5 + i + n)), list(range(5 + i, 5 + i + n))) for i, n in
                enumerate([30, 20, 12, 9, 25, 7])]  # fmt: skip
    rows = pack(examples, max_length=48, pad_id=0)
    assert len(rows) >= 3 and max(len(r.positions or []) for r in rows) > 0
    batch = collate_packed(rows, pad_id=0)

    def run(packed: bool):
        model.zero_grad()
        with packed_attention(model, enabled=packed):
            assert model.config._attn_implementation == (NAME if packed else "sdpa")
            out = model(**batch.model_inputs())
        out.loss.backward()
        grads = [p.grad.clone() for p in model.parameters() if p.grad is not None]
        return out.logits.detach(), grads

    masked_logits, masked_grads = run(False)
    ours_logits, ours_grads = run(True)
    assert model.config._attn_implementation == "sdpa"  # switched back afterwards
    assert torch.allclose(ours_logits, masked_logits, atol=1e-4)
    assert len(ours_grads) == len(masked_grads)
    for a, b in zip(ours_grads, masked_grads, strict=True):
        assert torch.allclose(a, b, atol=1e-5, rtol=1e-3)
    # And a row on its own is untouched: the fallback is transformers' own SDPA.
    single = collate_packed([examples[0]], pad_id=0)
    with torch.no_grad(), packed_attention(model):
        alone = model(**single.model_inputs()).logits
    with torch.no_grad():
        plain = model(**single.model_inputs()).logits
    assert torch.allclose(alone, plain, atol=1e-5)


@pytest.mark.parametrize("packed", [True, False])
def test_loss_on_labelled_positions_only_matches_the_full_head(tiny_base, packed):
    """LabelledHead projects only the labelled positions onto the vocabulary: the loss and every
    gradient equal those of the ordinary full-width forward, packed rows and padded rows alike."""
    import torch
    from transformers import AutoModelForCausalLM

    from supportbot.training.loop import LabelledHead
    from supportbot.training.packed_attention import packed_attention
    from supportbot.training.sft import collate_padded

    model = AutoModelForCausalLM.from_pretrained(tiny_base)
    model.train()
    # Labels on part of each example only (as for assistant turns), the rest ignored.
    examples = [
        Example(list(range(5 + i, 5 + i + n)), [IGNORE] * (n // 2) + list(range(5 + i + n // 2, 5 + i + n)))
        for i, n in enumerate([30, 20, 12, 9, 25, 7])
    ]
    batch = (
        collate_packed(pack(examples, max_length=48, pad_id=0), pad_id=0)
        if packed
        else collate_padded(examples, pad_id=0)
    )

    def run(use_head: bool):
        model.zero_grad()
        head = LabelledHead()
        with packed_attention(model, enabled=packed):
            loss = head.loss(model, batch.model_inputs()) if use_head else model(**batch.model_inputs()).loss
        loss.backward()
        return head.supported, loss.item(), [p.grad.clone() for p in model.parameters() if p.grad is not None]

    _, full_loss, full_grads = run(False)
    supported, loss, grads = run(True)
    assert supported is True  # the mask path was taken, not the fallback
    assert loss == pytest.approx(full_loss, rel=1e-5)
    assert len(grads) == len(full_grads)
    for a, b in zip(grads, full_grads, strict=True):
        assert torch.allclose(a, b, atol=1e-6, rtol=1e-4)


def test_labelled_head_falls_back_for_a_forward_without_logits_to_keep(tiny_base):
    """A model whose forward takes no logits_to_keep (older or custom code) is noticed on the
    first batch and trained the ordinary way, with the ordinary loss."""
    import torch
    from transformers import AutoModelForCausalLM

    from supportbot.training.loop import LabelledHead
    from supportbot.training.sft import collate_padded

    class Plain(torch.nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, labels=None, attention_mask=None, position_ids=None, use_cache=None):
            return self.inner(
                input_ids=input_ids, labels=labels, attention_mask=attention_mask, use_cache=False
            )

    model = Plain(AutoModelForCausalLM.from_pretrained(tiny_base)).eval()
    examples = [
        Example(list(range(5, 25)), [IGNORE] * 10 + list(range(15, 25))),
        Example([7, 8, 9], [7, 8, 9]),
    ]
    inputs = collate_padded(examples, pad_id=0).model_inputs()
    head = LabelledHead()
    with torch.no_grad():
        loss = head.loss(model, dict(inputs))
        again = head.loss(model, dict(inputs))
        plain = model(**inputs).loss
    assert head.supported is False
    assert loss.item() == pytest.approx(plain.item()) and again.item() == pytest.approx(plain.item())
