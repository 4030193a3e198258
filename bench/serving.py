#!/usr/bin/env python3
"""Model server throughput and latency: our HTTP server vs bare ``model.generate``, one run.

    python -m bench.serving [--model PATH] [--concurrency 1,4,16,64] [--requests 64] [--max-tokens 64]

The same chat requests (greedy, same max_tokens) are run
  * one after another with bare ``model.generate`` (the baseline), and
  * through our OpenAI-compatible server (uvicorn, in a process of its own as in production;
    official ``openai`` client), 1, 4, 16 and 64 at a time,
on the same model, and with --peer through `transformers serve --continuous-batching` too (after
ours, same levels). Ours and generate alternate in blocks of that many requests, so a busy neighbour
on a shared machine slows both alike. Printed: generated tokens/s and latency p50/p99 per side,
and the two targets (16 in flight >= 4x generate's throughput; 1 in flight within 1.2x of bare
generate's latency). Results also go to bench/results/serving.json.

The model is --model, else the default one ($SUPPORTBOT_HOME/models/base); when there is none
yet, a `small` model with random weights is built (its speed is what matters here; the output
says so). Random weights rarely end a turn, so then every answer runs to max_tokens.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

QUESTIONS = [
    "How do I reset my password?",
    "My order has not arrived yet, it has been two weeks.",
    "Can I get a refund for a blender that stopped working?",
    "How do I change my shipping address after ordering?",
    "The app crashes every time I log in on my phone.",
    "How do I cancel my membership?",
    "Where can I download my invoice?",
    "I was charged twice for the same order, please help.",
    "Do you ship to Norway?",
    "My smart plug does not connect to the wifi anymore.",
    "Can I return an opened kettle?",
    "How long does the warranty last on the coffee machine?",
]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def random_small_model(out: Path) -> None:
    """Tokenizer trained on rendered support prompts + the `small` architecture, random weights."""
    from supportbot.core.prompt import build_messages, render_flat
    from supportbot.training.modeling import build_model
    from supportbot.training.tokenizer import train_tokenizer

    texts = [
        render_flat(build_messages(question=q, history=[("user", q), ("assistant", q[::-1])]))
        for q in QUESTIONS * 20
    ]
    tokenizer = train_tokenizer(texts, vocab_size=4096, max_length=512)
    model = build_model(tokenizer, size="small", context=512)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)


def resolve_model(arg: str | None, *, scratch: Path) -> tuple[str, str]:
    if arg:
        return arg, f"{arg} (given)"
    from supportbot.core.settings import load_settings

    default = load_settings().default_base_model_dir
    if (default / "config.json").exists():
        return str(default), f"{default} (the default model)"
    out = scratch / "small-random"
    random_small_model(out)
    return str(
        out
    ), "a `small` model with RANDOM weights (no trained default model yet: `supportbot train base`)"


def _serve(model_path: str, device: str, threads: int | None, ready: Any, stop: Any) -> None:
    """The server in a process of its own, as in production (the client is not in its process)."""
    import torch

    from supportbot.serving.embedded import EmbeddedServer

    if threads:
        torch.set_num_threads(threads)
    with EmbeddedServer(model_path, device=device) as server:
        ready.put((server.base_url, server.engine.base_id))
        stop.wait()


def start_server(model_path: str, *, device: str, threads: int | None) -> tuple[Any, Any, str, str]:
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    ready, stop = context.Queue(), context.Event()
    process = context.Process(target=_serve, args=(model_path, device, threads, ready, stop), daemon=True)
    process.start()
    base_url, model_id = ready.get(timeout=300)
    return process, stop, base_url, model_id


def generate_one(model: Any, prompt: list[int], max_tokens: int) -> tuple[float, list[int]]:
    import torch

    with torch.inference_mode():
        ids = torch.tensor([prompt], device=model.device)
        t0 = time.perf_counter()
        out = model.generate(
            ids, attention_mask=torch.ones_like(ids), max_new_tokens=max_tokens, do_sample=False
        )
        return time.perf_counter() - t0, out[0, len(prompt) :].tolist()


async def timed_chat(
    client: Any, model_id: str, messages: list[dict[str, str]], max_tokens: int
) -> tuple[float, Any]:
    """(seconds, response) of one greedy chat completion."""
    t0 = time.perf_counter()
    r = await client.chat.completions.create(
        model=model_id, messages=messages, max_tokens=max_tokens, temperature=0
    )
    return time.perf_counter() - t0, r


async def measure_level(
    model: Any,
    prompts: list[list[int]],
    requests: list[list[dict[str, str]]],
    *,
    base_url: str,
    model_id: str,
    level: int,
    max_tokens: int,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Blocks of ``level`` requests, alternating: the block one after another with bare generate,
    then the same block all at once through the server. Alternating block by block makes a busy
    neighbour on a shared machine slow both sides alike."""
    import openai

    base: dict[str, Any] = {"latencies": [], "tokens": 0, "wall": 0.0, "outputs": []}
    ours: dict[str, Any] = {"latencies": [], "tokens": 0, "wall": 0.0, "texts": []}
    async with openai.AsyncOpenAI(base_url=base_url, api_key="bench", max_retries=0, timeout=600) as client:

        async def one(messages: list[dict[str, str]]) -> tuple[float, Any]:
            return await timed_chat(client, model_id, messages, max_tokens)

        generate_one(model, prompts[0], 4)  # warm-up, both sides
        await one(requests[0])
        for start in range(0, len(requests), level):
            block = range(start, min(start + level, len(requests)))
            for i in block:
                latency, generated = generate_one(model, prompts[i], max_tokens)
                base["latencies"].append(latency)
                base["wall"] += latency
                base["tokens"] += len(generated)
                base["outputs"].append(generated)
            t0 = time.perf_counter()
            results = await asyncio.gather(*[one(requests[i]) for i in block])
            ours["wall"] += time.perf_counter() - t0
            for latency, r in results:
                ours["latencies"].append(latency)
                ours["tokens"] += r.usage.completion_tokens
                ours["texts"].append(r.choices[0].message.content or "")
    return base, ours


def start_peer(model_path: str, *, threads: int | None) -> tuple[Any, str]:
    """`transformers serve --continuous-batching` (shipped with transformers) on the same model, in
    a process of its own; returns (the process, its OpenAI base URL) once /health answers."""
    import socket
    import subprocess
    import urllib.request

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    if threads:
        env["OMP_NUM_THREADS"] = str(threads)
    command = [
        str(Path(sys.executable).parent / "transformers"), "serve", "--continuous-batching",
        "--host", "127.0.0.1", "--port", str(port), model_path,
    ]  # fmt: skip
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"transformers serve exited with {process.returncode}: {' '.join(command)}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2):
                return process, f"http://127.0.0.1:{port}/v1"
        except OSError:
            time.sleep(1)
    process.kill()
    raise RuntimeError("transformers serve did not come up within 300 s")


async def measure_server(
    requests: list[list[dict[str, str]]], *, base_url: str, model_id: str, level: int, max_tokens: int
) -> dict[str, Any]:
    """The requests through a server, ``level`` at a time (blocks, as in measure_level)."""
    import openai

    result: dict[str, Any] = {"latencies": [], "tokens": 0, "wall": 0.0, "texts": []}
    async with openai.AsyncOpenAI(base_url=base_url, api_key="bench", max_retries=0, timeout=600) as client:

        async def one(messages: list[dict[str, str]]) -> tuple[float, Any]:
            return await timed_chat(client, model_id, messages, max_tokens)

        await one(requests[0])  # warm-up (the peer loads its model on the first request)
        for start in range(0, len(requests), level):
            block = range(start, min(start + level, len(requests)))
            t0 = time.perf_counter()
            results = await asyncio.gather(*[one(requests[i]) for i in block])
            result["wall"] += time.perf_counter() - t0
            for latency, r in results:
                result["latencies"].append(latency)
                result["tokens"] += r.usage.completion_tokens if r.usage else 0
                result["texts"].append(r.choices[0].message.content or "")
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", help="model folder or name (default: $SUPPORTBOT_HOME/models/base)")
    parser.add_argument("--concurrency", default="1,4,16,64", help="requests in flight, comma-separated")
    parser.add_argument("--requests", type=int, default=64, help="requests per measurement")
    parser.add_argument("--max-tokens", type=int, default=64)
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda", "auto"])
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="torch threads, here and in the server (0: torch's default). One suits a model this small on a "
        "2-core machine: the server's event loop and the client need the other core.",
    )
    parser.add_argument(
        "--peer",
        action="store_true",
        help="Also run the same requests through `transformers serve --continuous-batching` on the same"
        " model, after ours, at the same levels (target: ours >= 1.5x at 16 in flight, >= 1.0x at 1).",
    )
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "serving.json"))
    args = parser.parse_args()
    levels = [int(x) for x in args.concurrency.split(",") if x.strip()]

    import torch

    from supportbot.core.prompt import build_messages
    from supportbot.serving.loader import choose_device, choose_dtype, eos_ids, load_base

    if args.threads:
        torch.set_num_threads(args.threads)
    scratch = tempfile.TemporaryDirectory(prefix="bench-serving-")
    model_path, model_note = resolve_model(args.model, scratch=Path(scratch.name))
    device = choose_device(args.device)
    model, tokenizer = load_base(model_path, device=device, dtype=choose_dtype("auto", device=device))
    params = sum(p.numel() for p in model.parameters())
    requests = [build_messages(question=QUESTIONS[i % len(QUESTIONS)]) for i in range(args.requests)]
    prompts = [
        tokenizer.encode(
            tokenizer.apply_chat_template(m, add_generation_prompt=True, tokenize=False),
            add_special_tokens=False,
        )
        for m in requests
    ]
    print(f"model: {model_note}", file=sys.stderr)
    print(
        f"{params / 1e6:.1f}M parameters, {device}, {torch.get_num_threads()} torch threads; {args.requests} chat "
        f"requests, prompts {min(map(len, prompts))}-{max(map(len, prompts))} tokens, max_tokens {args.max_tokens}, greedy",
        file=sys.stderr,
    )

    eos = eos_ids(model, tokenizer)

    def row(what: str, level: int, result: dict[str, Any], same: str | None) -> dict[str, Any]:
        return {
            "what": what,
            "concurrency": level,
            "tokens": result["tokens"],
            "wall_s": result["wall"],
            "tokens_per_s": result["tokens"] / result["wall"],
            "p50_s": percentile(result["latencies"], 0.5),
            "p99_s": percentile(result["latencies"], 0.99),
            "same_output": same,
        }

    rows = []
    process, stop, base_url, model_id = start_server(model_path, device=device, threads=args.threads)
    try:
        for level in levels:
            print(f"{level} in flight, alternating with bare generate ...", file=sys.stderr)
            base, ours = asyncio.run(
                measure_level(
                    model,
                    prompts,
                    requests,
                    base_url=base_url,
                    model_id=model_id,
                    level=level,
                    max_tokens=args.max_tokens,
                )
            )
            expected = [
                tokenizer.decode(out[:-1] if out and out[-1] in eos else out, skip_special_tokens=True)
                for out in base["outputs"]
            ]
            same = f"{sum(a == b for a, b in zip(ours['texts'], expected, strict=True))}/{len(expected)}"
            rows.append({**row("bare model.generate", 1, base, None), "block": level})
            rows.append({**row("our server (HTTP)", level, ours, same), "block": level})
    finally:
        stop.set()
        process.join(timeout=30)
    peer_rows: dict[int, dict[str, Any]] = {}
    if args.peer:
        peer, peer_url = start_peer(model_path, threads=args.threads)
        try:
            for level in levels:
                print(f"{level} in flight through transformers serve ...", file=sys.stderr)
                result = asyncio.run(
                    measure_server(
                        requests,
                        base_url=peer_url,
                        model_id=model_path,
                        level=level,
                        max_tokens=args.max_tokens,
                    )
                )
                peer_rows[level] = row("transformers serve --continuous-batching", level, result, None)
        finally:
            peer.terminate()
            peer.wait(timeout=30)
    scratch.cleanup()

    print()
    print(
        f"{'in flight':>9}  {'generate tok/s':>14} {'p50 s':>6}  {'server tok/s':>12} {'p50 s':>6} {'p99 s':>6}"
        f"  {'x generate':>10}  same text"
    )
    verdicts: dict[str, Any] = {}
    for base, ours in zip(rows[::2], rows[1::2], strict=True):
        ratio = ours["tokens_per_s"] / base["tokens_per_s"]
        print(
            f"{ours['concurrency']:>9}  {base['tokens_per_s']:>14.1f} {base['p50_s']:>6.3f}  {ours['tokens_per_s']:>12.1f}"
            f" {ours['p50_s']:>6.3f} {ours['p99_s']:>6.3f}  {ratio:>10.2f}  {ours['same_output']}"
        )
        if ours["concurrency"] == 16:
            verdicts["throughput_16_vs_generate"] = {"ratio": ratio, "target": 4.0, "met": ratio >= 4.0}
        if ours["concurrency"] == 1:
            latency = ours["p50_s"] / base["p50_s"]
            verdicts["latency_1_vs_generate"] = {"ratio": latency, "target": 1.2, "met": latency <= 1.2}
    print("(generate: the same requests one after another; the two sides alternate block by block)")
    if peer_rows:
        print(
            f"\n{'in flight':>9}  {'ours tok/s':>10}  {'peer tok/s':>10} {'p50 s':>6} {'p99 s':>6}  {'ours x peer':>11}"
        )
        for ours in rows[1::2]:
            peer_row = peer_rows.get(ours["concurrency"])
            if peer_row is None:
                continue
            ratio = ours["tokens_per_s"] / peer_row["tokens_per_s"]
            print(
                f"{ours['concurrency']:>9}  {ours['tokens_per_s']:>10.1f}  {peer_row['tokens_per_s']:>10.1f}"
                f" {peer_row['p50_s']:>6.3f} {peer_row['p99_s']:>6.3f}  {ratio:>11.2f}"
            )
            target = {16: 1.5, 1: 1.0}.get(ours["concurrency"])
            if target:
                verdicts[f"throughput_{ours['concurrency']}_vs_transformers_serve"] = {
                    "ratio": ratio,
                    "target": target,
                    "met": ratio >= target,
                }
        print("(peer: transformers serve --continuous-batching, same model, same requests, run after ours)")
    if "throughput_16_vs_generate" in verdicts:
        v = verdicts["throughput_16_vs_generate"]
        print(
            f"target: 16 in flight >= 4x generate's throughput: {v['ratio']:.2f}x  {'MET' if v['met'] else 'NOT MET'}"
        )
    if "latency_1_vs_generate" in verdicts:
        v = verdicts["latency_1_vs_generate"]
        print(
            f"target: 1 in flight p50 latency <= 1.2x bare generate: {v['ratio']:.2f}x  {'MET' if v['met'] else 'NOT MET'}"
        )
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(
            {
                "model": model_note,
                "parameters": params,
                "device": device,
                "torch_threads": torch.get_num_threads(),
                "requests": args.requests,
                "max_tokens": args.max_tokens,
                "rows": rows,
                "peer_rows": list(peer_rows.values()),
                "targets": verdicts,
            },
            indent=2,
        )
    )
    print(f"written to {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
