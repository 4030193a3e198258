from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest

from supportbot.core.pii import redact
from supportbot.core.settings import Settings
from supportbot.training.config import FinetuneConfig
from supportbot.training.data import load_chat_jsonl, prepare, write_jsonl


def _chat_file(tmp_path: Path, n: int = 40) -> Path:
    rows = []
    for i in range(n):
        topic = ["password", "blender", "refund"][i % 3]
        answer = {
            "password": "Go to Settings > Security and choose Forgot password.",
            "blender": "Unplug the blender and reseat the jar; then run the cleaning cycle.",
            "refund": "Refunds reach your card within 5-7 business days after we receive the item.",
        }[topic]
        rows.append(
            {
                "id": f"c{i}",
                "messages": [
                    {"role": "user", "content": f"question {i} about my {topic}"},
                    {"role": "assistant", "content": answer},
                ],
            }
        )
    path = tmp_path / "chats.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    return path


def test_train_run_says_up_front_how_long_it_will_take(tiny_base, tmp_path, capsys):
    """With progress shown, a run says its time before its first step: the steps measured, the
    validation passes along them and the answers its evaluation will generate."""
    from supportbot.training.finetune import run_finetune

    config = FinetuneConfig(
        base=tiny_base, data=[str(_chat_file(tmp_path))], replay_ratio=0, conversations=False,
        serve_eval=False, steps=6, eval_questions=None, val_fraction=0.3, newest=0.0,
    )  # fmt: skip
    run_finetune(config, settings=Settings(home=tmp_path / "home"), sessions=None, progress=True)
    said = [line for line in capsys.readouterr().err.splitlines() if line.startswith("train run:")]
    assert len(said) == 1, said
    assert re.search(
        r"fine-tune and evaluation: expect about [\d.]+ min \(.*6 steps at [\d.]+ s each"
        r" \+ \d validation passes, [\d.]+ min \+ about [\d.]+ min answering the evaluation's questions",
        said[0],
    ), said[0]


def test_the_report_checks_the_first_questions_through_the_model_server(tiny_base, tmp_path):
    """The report's first questions go through our server's two endpoints as well, and the report
    says how many came back as the in-process answers (greedy decoding: all of them)."""
    from supportbot.training.finetune import run_finetune

    config = FinetuneConfig(
        base=tiny_base, data=[str(_chat_file(tmp_path))], replay_ratio=0, conversations=False,
        serve_eval=True, serve_eval_questions=2, steps=4, eval_questions=None, val_fraction=0.3, newest=0.0,
    )  # fmt: skip
    result = run_finetune(config, settings=Settings(home=tmp_path / "home"), sessions=None, progress=False)
    report = next(p for p in result.report_paths.values() if p.suffix == ".md").read_text()
    assert re.search(
        r"through our model server, the first 2 questions: /v1/completions gave the in-process text on"
        r" 2 of 2 \(\d+ ms per answer\); /v1/chat/completions gave the in-process text on 2 of 2",
        report,
    ), report


def test_loss_falls_lora_changes_only_adapter_and_reloads_identically(tiny_base, tmp_path):
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    settings = Settings(home=tmp_path / "home")
    config = FinetuneConfig(
        base=tiny_base,
        data=[str(_chat_file(tmp_path))],
        replay_ratio=0,
        conversations=False,
        serve_eval=False,
        steps=30,
        lr=1e-2,
        eval_questions=None,
        val_fraction=0.3,
        newest=0.0,  # the whole file is new: this test is about what LoRA changes
    )
    from supportbot.training.finetune import run_finetune

    before_base = {
        k: v.clone() for k, v in AutoModelForCausalLM.from_pretrained(tiny_base).state_dict().items()
    }
    result = run_finetune(config, settings=settings, sessions=None, progress=False)
    report = json.loads((result.adapter_path / "eval.json").read_text())
    # The loss fell: validation perplexity after training is below the base model's.
    assert report["token_metrics"]["after"]["perplexity"] < report["token_metrics"]["before"]["perplexity"]
    # Own logs and no --eval-questions: the held-out questions are the first questions of half
    # the validation conversations (the bundled sample's questions say nothing about this team's
    # model; the other half calibrates the checks, with no index here to calibrate against).
    assert report["extra"]["eval_set"].startswith("validation-")
    assert 0 < report["extra"]["eval_questions"] <= 12
    assert report["examples"] and all(
        re.fullmatch(r"question \d+ about my (password|blender|refund)", e["question"])
        for e in report["examples"]
    )

    base = AutoModelForCausalLM.from_pretrained(tiny_base)
    for name, tensor in base.state_dict().items():
        assert torch.equal(tensor, before_base[name]), f"base weight {name} changed"
    tuned = PeftModel.from_pretrained(
        AutoModelForCausalLM.from_pretrained(tiny_base), str(result.adapter_path)
    )
    lora_b = [p for n, p in tuned.named_parameters() if "lora_B" in n]
    assert lora_b and any(p.abs().sum() > 0 for p in lora_b)  # LoRA B starts at zero: it moved

    tok = AutoTokenizer.from_pretrained(str(result.adapter_path))
    ids = tok(
        "<|user|>\nquestion 3 about my password<|end|>\n<|assistant|>\n",
        return_tensors="pt",
        add_special_tokens=False,
    )
    with torch.no_grad():
        reloaded = tuned(**ids).logits
        again = PeftModel.from_pretrained(
            AutoModelForCausalLM.from_pretrained(tiny_base), str(result.adapter_path)
        )(**ids).logits
        plain = base(**ids).logits
    assert torch.equal(reloaded, again)
    assert not torch.allclose(reloaded, plain)
    assert (result.adapter_path / "loss.png").stat().st_size > 1000
    assert (result.adapter_path / "eval.md").exists()
    config_json = json.loads((result.adapter_path / "adapter_config.json").read_text())
    assert not config_json.get("modules_to_save")  # loadable by vLLM


def test_redaction_removes_seeded_pii_from_training_files(tmp_path):
    pii = [
        "jane.doe42@examplemail.com",
        "+1 415-555-0134",
        "4111 1111 1111 1111",
        "DE89 3704 0044 0532 0130 00",
    ]
    rows = [
        {
            "id": f"p{i}",
            "messages": [
                {"role": "user", "content": f"Hi, it's me ({p}), where is order #4821937?"},
                {"role": "assistant", "content": "I checked order #4821937: it ships tomorrow."},
            ],
        }
        for i, p in enumerate(pii)
    ]
    src = tmp_path / "logs.jsonl"
    src.write_text("\n".join(json.dumps(r) for r in rows) + '\nnot json\n{"messages": []}\n')
    loaded, report = load_chat_jsonl(src)
    assert len(loaded) == 4
    assert [e.split(": ", 1)[0] for e in report.errors] == [f"{src}:5", f"{src}:6"]
    prepared = prepare(loaded, val_fraction=0.0)
    out = write_jsonl(tmp_path / "train.jsonl", prepared.train).read_text()
    for p in pii:
        assert p not in out
    assert sum(prepared.pii.values()) == 4
    assert "4821937" not in out and "#<ORDER_ID>" in out  # the model learns the placeholder


def test_eval_items_and_duplicates_are_dropped(tmp_path):
    path = _chat_file(tmp_path, 6)
    loaded, _ = load_chat_jsonl(path)
    prepared = prepare(loaded + loaded, eval_questions=["Question 0 about my PASSWORD"], val_fraction=0.0)
    # Both copies of the evaluation item go first; five pairs of duplicates remain.
    assert prepared.stats["dropped: identical to an evaluation item"] == 2
    assert prepared.stats["dropped: duplicate"] == 5
    assert len(prepared.train) == 5


def test_the_same_reply_at_another_price_is_not_a_duplicate():
    """After a price change the team's replies read as before but for the amount: both are kept
    (the newer one is what the fine-tune must learn), while a true copy is dropped."""
    from supportbot.training.data import Conversation

    def priced(cid: str, price: str) -> Conversation:
        messages = [
            {"role": "user", "content": "How much is the Static IP add-on?"},
            {"role": "assistant", "content": f"The Static IP add-on is {price} a month."},
        ]
        return Conversation(cid, messages, "t")

    prepared = prepare([priced("a", "£5"), priced("b", "£7"), priced("c", "£7.00")], val_fraction=0.0)
    assert prepared.stats["dropped: duplicate"] == 1
    assert [c.meta["amounts"]["<AMOUNT>"] for c in prepared.train] == ["£5", "£7"]


def test_config_rejects_unknown_and_bad_values(tmp_path):
    from supportbot.core.errors import InvalidInput

    with pytest.raises(InvalidInput, match="unknown setting"):
        FinetuneConfig.from_dict({"rnak": 4})
    with pytest.raises(InvalidInput, match="rank"):
        FinetuneConfig.from_dict({"rank": 0})
    path = tmp_path / "c.toml"
    path.write_text('rank = 4\ntarget_modules = ["q_proj"]\n')
    assert FinetuneConfig.from_file(path).rank == 4


def test_redact_helper_on_text():
    assert redact("card 4111 1111 1111 1111").text == "card [CARD]"


def test_the_same_seed_gives_the_same_adapter(tiny_base, tmp_path):
    """`seed` fixes the LoRA initialisation as well as the data order: two runs, one adapter."""
    from safetensors.torch import load_file

    from supportbot.training.finetune import run_finetune

    chats = str(_chat_file(tmp_path))

    def adapter(home: str):
        config = FinetuneConfig(
            base=tiny_base,
            data=[chats],
            replay_ratio=0,
            conversations=False,
            serve_eval=False,
            steps=2,
            eval_questions=None,
            seed=5,
        )
        result = run_finetune(config, settings=Settings(home=tmp_path / home), sessions=None, progress=False)
        return load_file(str(result.adapter_path / "adapter_model.safetensors"))

    first, second = adapter("one"), adapter("two")
    assert first.keys() == second.keys() and any("lora_A" in k for k in first)
    for name in first:
        assert (first[name] == second[name]).all(), name


def test_the_sample_logs_are_never_replayed_into_a_teams_own_logs(tmp_path, capsys):
    """Replay defaults to the bundled sample's earlier era only when the sample is what is learned;
    with --data naming a team's own logs and no --replay, the newest of them are learned and the
    older ones of the same logs replayed: nothing foreign is mixed in."""
    from supportbot.training.finetune_data import gather_data

    own = FinetuneConfig(data=[str(_chat_file(tmp_path))], conversations=False, eval_questions=None)
    new, replay = gather_data(own, sessions=None)
    learned = {c.id for c in new.train + new.val}
    assert learned == {f"c{i}" for i in range(32, 40)}  # the newest 20%, in file order
    replayed = {c.id for c in replay.train + replay.val}
    assert replayed and replayed <= {f"c{i}" for i in range(32)}
    assert "learning the newest 8 of 40" in capsys.readouterr().err

    everything = own.merged(newest=0.0)
    new, replay = gather_data(everything, sessions=None)
    assert len(new.train) + len(new.val) == 40 and not replay.train and not replay.val
    assert "--replay" in capsys.readouterr().err

    (tmp_path / "earlier").mkdir()
    earlier = _chat_file(tmp_path / "earlier", 12)
    _, replay = gather_data(own.merged(replay=[str(earlier)]), sessions=None)
    assert 0 < len(replay.train) + len(replay.val) <= 12

    sample = FinetuneConfig(conversations=False, eval_questions=None)
    _, replay = gather_data(sample, sessions=None)
    assert len(replay.train) + len(replay.val) > 0


def test_a_teams_logs_are_split_by_time_the_base_never_learns_what_the_fine_tune_validates(tmp_path):
    from supportbot.training.data import newest_apart, prepare, split_of
    from supportbot.training.default_model import DefaultModelConfig

    rows = [json.loads(line) for line in _chat_file(tmp_path, 20).read_text().splitlines()]
    for i, row in enumerate(rows):  # written out of order: `created` decides what is newest
        row["created"] = f"2025-01-{(i * 7) % 20 + 1:02d}T10:00:00Z"
    path = tmp_path / "dated.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    conversations, _ = load_chat_jsonl(path)
    older, newest = newest_apart(conversations, 0.25)
    assert len(newest) == 5 and max(c.meta["created"] for c in older) < min(c.meta["created"] for c in newest)
    # The base model's validation share is the fine-tune's, by the same hash: what the fine-tune
    # validates and calibrates on, the base has never learned.
    base_val = DefaultModelConfig().val_fraction
    assert base_val == FinetuneConfig().val_fraction
    ids = [f"conv-{i}" for i in range(500)]
    assert {i for i in ids if split_of(i, FinetuneConfig().val_fraction) == "val"} == {
        i for i in ids if split_of(i, base_val) == "val"
    }
    assert prepare(conversations, val_fraction=base_val).val == prepare(conversations, val_fraction=0.1).val


def test_a_helpdesk_export_is_learned_as_tickets_import_reads_it(tmp_path):
    """`train --data` takes the Zendesk export `tickets import` took: the subject and the
    customer's opening message as the question, the agents' public replies as the answer, no
    internal note, no ticket nobody answered, a broken ticket named by its line, PII redacted
    before anything is written, the newest tickets by their own dates."""
    from supportbot.core.errors import InvalidInput
    from supportbot.training.data import load_file, newest_apart

    def ticket(n: int, day: int, reply: str | None) -> dict:
        comments = [
            {
                "id": n * 10,
                "author_id": n,
                "public": True,
                "plain_body": f"My router {n} blinks red, call 07700 900123",
            },
            {"id": n * 10 + 1, "author_id": 9, "public": False, "plain_body": "INTERNAL: line test green"},
        ]
        if reply:
            comments.append({"id": n * 10 + 2, "author_id": 9, "public": True, "plain_body": reply})
        return {
            "id": n,
            "subject": f"Router {n}",
            "requester_id": n,
            "created_at": f"2025-03-{day:02d}T09:00:00Z",
            "comments": comments,
        }

    tickets = [ticket(1, 20, "Hold the reset button for 10 seconds."), ticket(2, 5, "Restart the router.")]
    tickets += [ticket(3, 7, None), {"id": 4, "subject": "Broken", "requester_id": 4, "comments": "nope"}]
    users = [{"id": 9, "name": "Nadia", "role": "agent"}]
    path = tmp_path / "export.json"
    path.write_text(json.dumps({"tickets": tickets, "users": users}, indent=1))

    loaded, report = load_file(path)
    assert [c.id for c in loaded] == ["zendesk-1", "zendesk-2"] and report.loaded == 2  # the index's ids
    opens = path.read_text().splitlines().index('   "id": 4,')  # 0-based: the line of its "{"
    assert report.errors == [f"{path}:{opens}: ticket zendesk-4: 'comments' is not a list"]
    first = loaded[0].messages
    assert [m["role"] for m in first] == ["user", "assistant"]
    assert first[0]["content"].startswith("Router 1\nMy router 1 blinks red")
    assert first[1]["content"] == "Hold the reset button for 10 seconds."
    older, newest = newest_apart(loaded, 0.5)
    # by date, not file order
    assert [c.id for c in newest] == ["zendesk-1"] and [c.id for c in older] == ["zendesk-2"]
    out = write_jsonl(tmp_path / "train.jsonl", prepare(loaded, val_fraction=0.0).train).read_text()
    assert "07700" not in out and "INTERNAL" not in out and "Hold the reset button" in out

    articles = tmp_path / "help"
    articles.mkdir()
    (articles / "reset.md").write_text("# Resetting the router\n\nHold the button.\n")
    with pytest.raises(InvalidInput, match="articles"):
        load_file(articles)


def test_the_answering_estimate_is_measured_on_prompts_as_the_evaluation_writes_them(tiny_base, tmp_path):
    """The estimate's probe answers the examples' own prompts (their tickets in them), cut where
    the answer starts; the calibration's questions count twice (as worded and thinned)."""
    from supportbot.training.base_model import load_base_model
    from supportbot.training.eta import answer_seconds, prompt_ids
    from supportbot.training.eval_set import eval_sets
    from supportbot.training.finetune import answers_to_generate
    from supportbot.training.sft import encode

    model, tokenizer = load_base_model(tiny_base, device="cpu")
    question = "Similar solved tickets:\nT-1: Hold the reset button.\n\nMy router blinks red."
    messages = [
        {"role": "user", "content": question},
        {"role": "assistant", "content": "Try a restart first."},
    ]
    example = encode(tokenizer, messages, max_length=512)
    assert example is not None
    (prompt,) = prompt_ids([example])
    text = tokenizer.decode(prompt)
    assert "router blinks red" in text and "restart" not in text  # the question, not the answer
    assert answer_seconds(model, tokenizer, [], answers=40, max_new_tokens=8, prompts=[prompt] * 4) > 0

    config = FinetuneConfig(data=[str(_chat_file(tmp_path))], conversations=False)
    held_out = load_chat_jsonl(Path(config.data[0]))[0]
    sets = eval_sets(config, held_out)
    _, answers = answers_to_generate(config, held_out)
    assert sets.calibration and answers == len(sets.report) * 5 + 2 * len(sets.calibration)
    # Through the server, only the report's first questions: twice each (completion, chat).
    assert len(sets.report) > 1
    one = dataclasses.replace(config, serve_eval_questions=1)
    assert answers_to_generate(one, held_out)[1] == len(sets.report) * 3 + 2 + 2 * len(sets.calibration)
