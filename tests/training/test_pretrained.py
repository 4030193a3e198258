"""A pretrained base from a GGUF file: converted once into a plain Hugging Face folder.

The test writes a GGUF itself, with the ``gguf`` package, from the tiny model the test session
trains (llama.cpp's layout: its tensor names, Q/K rows permuted, a GPT-2 style BPE tokenizer),
converts it back with ``training.pretrained`` and checks that the round trip changed nothing:
the same logits for the same tokens, the same tokens for the same text.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

gguf = pytest.importorskip("gguf")


def _permute(w, n_head: int):
    # What llama.cpp's converter does to q_proj/k_proj rows (and transformers undoes on load).
    return w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def write_gguf(model_dir: str, path: Path) -> None:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32)
    cfg = model.config
    writer = gguf.GGUFWriter(str(path), "llama")
    writer.add_name("tiny-support")
    writer.add_context_length(cfg.max_position_embeddings)
    writer.add_embedding_length(cfg.hidden_size)
    writer.add_block_count(cfg.num_hidden_layers)
    writer.add_feed_forward_length(cfg.intermediate_size)
    writer.add_head_count(cfg.num_attention_heads)
    writer.add_head_count_kv(cfg.num_key_value_heads)
    writer.add_rope_freq_base(float(getattr(cfg, "rope_theta", None) or cfg.rope_parameters["rope_theta"]))
    writer.add_layer_norm_rms_eps(cfg.rms_norm_eps)
    writer.add_vocab_size(cfg.vocab_size)
    vocab = tokenizer.get_vocab()
    tokens = [t for t, _ in sorted(vocab.items(), key=lambda kv: kv[1])]
    special = set(tokenizer.all_special_tokens) | set(tokenizer.added_tokens_encoder)
    writer.add_tokenizer_model("gpt2")
    writer.add_token_list(tokens)
    writer.add_token_types(
        [gguf.TokenType.CONTROL if t in special else gguf.TokenType.NORMAL for t in tokens]
    )
    merges = json.loads(tokenizer.backend_tokenizer.to_str())["model"]["merges"]
    writer.add_token_merges([" ".join(m) if isinstance(m, list) else m for m in merges])
    writer.add_eos_token_id(tokenizer.eos_token_id)
    writer.add_pad_token_id(tokenizer.pad_token_id)
    writer.add_chat_template(tokenizer.chat_template)
    names = gguf.get_tensor_name_map(gguf.MODEL_ARCH.LLAMA, cfg.num_hidden_layers)
    for name, tensor in model.state_dict().items():
        if name == "lm_head.weight" and cfg.tie_word_embeddings:
            continue
        data = tensor.numpy()
        if name.endswith("q_proj.weight"):
            data = _permute(data, cfg.num_attention_heads)
        elif name.endswith("k_proj.weight"):
            data = _permute(data, cfg.num_key_value_heads)
        base, suffix = name.rsplit(".", 1)
        writer.add_tensor(f"{names.get_name(base)}.{suffix}", data)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def test_a_gguf_converts_to_a_folder_that_gives_the_same_logits(tiny_base, tmp_path):
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from supportbot.training.pretrained import convert_gguf, provenance_of

    gguf_file = tmp_path / "gguf" / "tiny.gguf"
    gguf_file.parent.mkdir()
    write_gguf(tiny_base, gguf_file)
    out = convert_gguf(gguf_file, tmp_path / "converted", provenance={"package": "test", "sha256": "x"})
    assert provenance_of(out) == {"package": "test", "sha256": "x"}
    assert not (out.parent / ".converted.partial").exists()

    original = AutoModelForCausalLM.from_pretrained(tiny_base, dtype=torch.float32).eval()
    converted = AutoModelForCausalLM.from_pretrained(out, dtype=torch.float32).eval()
    assert getattr(converted.config, "quantization_config", None) is None
    ids = torch.tensor([[5, 17, 42, 99, 7, 300, 12]])
    with torch.no_grad():
        assert torch.allclose(original(ids).logits, converted(ids).logits, atol=1e-5)

    text = "How do I reset my password? Order 4821937 has not arrived."
    assert (
        AutoTokenizer.from_pretrained(out)(text)["input_ids"]
        == AutoTokenizer.from_pretrained(tiny_base)(text)["input_ids"]
    )


def test_a_packaged_alias_needs_its_package_and_says_how_to_install_it(tmp_path, monkeypatch):
    from supportbot.core.errors import ModelUnavailable
    from supportbot.training import pretrained

    missing = pretrained.PackagedModel(
        alias="nope",
        package="no-such-package-anywhere",
        file="x.gguf",
        licence="-",
        original="-",
        install="pip install it",
    )
    monkeypatch.setitem(pretrained.PACKAGED, "nope", missing)
    with pytest.raises(ModelUnavailable, match="pip install it"):
        pretrained.resolve("nope", models_dir=tmp_path)
    assert (
        pretrained.resolve("Qwen/Qwen2.5-0.5B-Instruct", models_dir=tmp_path) == "Qwen/Qwen2.5-0.5B-Instruct"
    )
