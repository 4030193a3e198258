"""Fitting the sentiment classifier's candidates; each comes out as a numpy ``Head`` (and, for the
tuned one, the encoder's fine-tuned last layers).

- ``logreg``: multinomial logistic regression (scikit-learn) for the label and ridge regression
  for the frustration, on the frozen embedding + surface features, standardised.
- ``mlp``: one hidden layer (torch), the label and the frustration learnt together.
- ``tuned``: the embedder's last layers fine-tuned together with a linear head (torch). The
  frozen layers below run once over the training rows and their output is kept, so an epoch
  costs only the tuned layers' forward and backward passes.

Hyperparameters are fixed here (chosen on the sample's validation families); the training run
picks among the candidates on held-out rows.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from supportbot.training.sentiment_model import (
    Head,
    TunedEncoder,
    mean_pool,
    surface_features,
    tail_layer_names,
)

if TYPE_CHECKING:
    import numpy as np

CANDIDATES = ("logreg", "mlp", "tuned")
FRUSTRATION_WEIGHT = 4.0  # the frustration's squared error beside the label's cross-entropy


@dataclass
class Fitted:
    name: str
    head: Head
    seconds: float
    tuned: TunedEncoder | None = None  # only for "tuned"
    tuned_state: dict[str, Any] = field(default_factory=dict)


def _standardiser(x: np.ndarray) -> dict[str, np.ndarray]:
    import numpy as np

    return {"mean": x.mean(axis=0).astype(np.float32), "std": (x.std(axis=0) + 1e-6).astype(np.float32)}


def add_intensity(
    head: Head, features: np.ndarray, y: np.ndarray, f: np.ndarray, *, alpha: float = 30.0
) -> Head:
    """``head`` with a ridge map from its standardised features to the frustration of negative
    turns (label 0), for the "mixture" frustration score."""
    import numpy as np
    from sklearn.linear_model import Ridge

    a = head.arrays
    negative = y == 0
    xs = (features[negative] - a["mean"]) / a["std"]
    reg = Ridge(alpha=alpha).fit(xs, f[negative])
    wn = reg.coef_.astype(np.float32)
    bn = np.asarray([reg.intercept_], dtype=np.float32)
    return Head(kind=head.kind, arrays={**a, "wn": wn, "bn": bn})


def fit_logreg(x: np.ndarray, y: np.ndarray, f: np.ndarray, *, c: float = 0.03, alpha: float = 30.0) -> Head:
    import numpy as np
    from sklearn.linear_model import LogisticRegression, Ridge

    scale = _standardiser(x)
    xs = (x - scale["mean"]) / scale["std"]
    clf = LogisticRegression(C=c, max_iter=3000).fit(xs, y)
    logits_w = np.zeros((3, x.shape[1]), dtype=np.float32)
    logits_b = np.zeros(3, dtype=np.float32)
    # scikit-learn orders its classes as they sort; the head keeps LABELS order (0, 1, 2).
    for row, cls in enumerate(clf.classes_):
        logits_w[int(cls)] = clf.coef_[row]
        logits_b[int(cls)] = clf.intercept_[row]
    reg = Ridge(alpha=alpha).fit(xs, f)
    return Head(
        kind="linear",
        arrays={
            **scale,
            "w": logits_w,
            "b": logits_b,
            "wf": reg.coef_.astype(np.float32),
            "bf": np.asarray([reg.intercept_], dtype=np.float32),
        },
    )


def _joint_loss(out: Any, y: Any, f: Any, *, sigmoid: bool) -> Any:
    import torch

    frustration = torch.sigmoid(out[:, 3]) if sigmoid else out[:, 3]
    return (
        torch.nn.functional.cross_entropy(out[:, :3], y)
        + FRUSTRATION_WEIGHT * ((frustration - f) ** 2).mean()
    )


def fit_mlp(
    x: np.ndarray,
    y: np.ndarray,
    f: np.ndarray,
    *,
    seed: int = 0,
    hidden: int = 64,
    dropout: float = 0.3,
    epochs: int = 200,
    weight_decay: float = 1e-2,
) -> Head:
    import torch

    # Steps this small are dispatch-bound: a second thread only contends (measured 16 s on one
    # thread against minutes on two of a busy 2-core machine).
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return _fit_mlp(
            x, y, f, seed=seed, hidden=hidden, dropout=dropout, epochs=epochs, weight_decay=weight_decay
        )
    finally:
        torch.set_num_threads(threads)


def _fit_mlp(
    x: np.ndarray,
    y: np.ndarray,
    f: np.ndarray,
    *,
    seed: int,
    hidden: int,
    dropout: float,
    epochs: int,
    weight_decay: float,
) -> Head:
    import torch

    torch.manual_seed(seed)
    scale = _standardiser(x)
    xs = torch.tensor((x - scale["mean"]) / scale["std"])
    yt, ft = torch.tensor(y, dtype=torch.long), torch.tensor(f, dtype=torch.float32)
    first, last = torch.nn.Linear(x.shape[1], hidden), torch.nn.Linear(hidden, 4)
    net = torch.nn.Sequential(
        torch.nn.Dropout(dropout), first, torch.nn.GELU(approximate="tanh"), torch.nn.Dropout(dropout), last
    )
    opt = torch.optim.AdamW(net.parameters(), lr=1e-3, weight_decay=weight_decay)
    gen = torch.Generator().manual_seed(seed)
    for _epoch in range(epochs):
        order = torch.randperm(len(xs), generator=gen)
        for start in range(0, len(xs), 64):
            batch = order[start : start + 64]
            loss = _joint_loss(net(xs[batch]), yt[batch], ft[batch], sigmoid=True)
            opt.zero_grad()
            loss.backward()
            opt.step()

    def arr(t: Any) -> np.ndarray:
        return t.detach().numpy().copy()

    return Head(
        kind="mlp",
        arrays={
            **scale,
            "w1": arr(first.weight),
            "b1": arr(first.bias),
            "w2": arr(last.weight),
            "b2": arr(last.bias),
        },
    )


def _tail_forward(model: Any, hidden: Any, mask: Any, start: int) -> Any:
    """The encoder's layers from ``start`` on, over the hidden states that enter layer ``start``
    (the same computation as the model's own forward pass; a test compares the two)."""
    from transformers.masking_utils import create_bidirectional_mask

    attention = create_bidirectional_mask(config=model.config, inputs_embeds=hidden, attention_mask=mask)
    for layer in model.encoder.layer[start:]:
        out = layer(hidden, attention)
        hidden = out[0] if isinstance(out, tuple) else out
    return hidden


@dataclass
class _Bucket:
    rows: Any  # indices into the training arrays
    hidden: Any  # what enters the first tuned layer
    mask: Any


def _frozen_part(tuned: TunedEncoder, texts: Sequence[str], start: int, batch: int) -> list[_Bucket]:
    """Rows in buckets of similar length, each with the output of the frozen layers."""
    import torch

    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    buckets = []
    for b in range(0, len(order), batch):
        rows = order[b : b + batch]
        enc = tuned.tokenize([texts[i] for i in rows])
        with torch.no_grad():
            states = tuned.model(**enc, output_hidden_states=True).hidden_states[start]
        buckets.append(_Bucket(rows=torch.tensor(rows), hidden=states, mask=enc["attention_mask"]))
    return buckets


def fit_tuned(
    texts: Sequence[str],
    y: np.ndarray,
    f: np.ndarray,
    *,
    seed: int = 0,
    layers: int = 2,
    epochs: int = 3,
    batch: int = 16,
) -> tuple[TunedEncoder, Head, dict[str, Any]]:
    """The packaged embedder with its last ``layers`` layers fine-tuned beside a linear head on
    [pooled embedding, surface features]. Returns the encoder, the head and the tuned weights."""
    import numpy as np
    import torch

    torch.manual_seed(seed)
    tuned = TunedEncoder.packaged()
    model = tuned.model
    start = int(model.config.num_hidden_layers) - layers
    prefixes = tail_layer_names(model, layers)
    for name, param in model.named_parameters():
        param.requires_grad = any(name.startswith(p) for p in prefixes)
    buckets = _frozen_part(tuned, texts, start, batch)
    surface = torch.tensor(surface_features(texts))
    with torch.no_grad():  # standardise with the untuned features: the head starts where logreg does
        pooled = torch.cat(
            [mean_pool(_tail_forward(model, b.hidden, b.mask, start), b.mask) for b in buckets]
        )
        rows = torch.cat([b.rows for b in buckets])
        feats = torch.empty((len(texts), pooled.shape[1] + surface.shape[1]))
        feats[rows] = torch.cat([pooled, surface[rows]], dim=1)
    scale = _standardiser(feats.numpy())
    mean, std = torch.tensor(scale["mean"]), torch.tensor(scale["std"])
    head = torch.nn.Linear(feats.shape[1], 4)
    opt = torch.optim.AdamW(
        [
            {"params": [p for p in model.parameters() if p.requires_grad], "lr": 5e-5},
            {"params": head.parameters(), "lr": 2e-3},
        ],
        weight_decay=1e-2,
    )
    yt, ft = torch.tensor(y, dtype=torch.long), torch.tensor(f, dtype=torch.float32)
    gen = torch.Generator().manual_seed(seed)
    model.train()
    for _epoch in range(epochs):
        for k in torch.randperm(len(buckets), generator=gen).tolist():
            b = buckets[k]
            pooled = mean_pool(_tail_forward(model, b.hidden, b.mask, start), b.mask)
            x = (torch.cat([pooled, surface[b.rows]], dim=1) - mean) / std
            loss = _joint_loss(head(x), yt[b.rows], ft[b.rows], sigmoid=False)
            opt.zero_grad()
            loss.backward()
            opt.step()
    model.eval()
    for param in model.parameters():
        param.requires_grad = False
    weight = head.weight.detach().numpy()
    bias = head.bias.detach().numpy()
    arrays = {
        **scale,
        "w": weight[:3].copy(),
        "b": bias[:3].copy(),
        "wf": weight[3].copy(),
        "bf": np.asarray([bias[3]], dtype=np.float32),
    }
    state = {k: v for k, v in model.state_dict().items() if any(k.startswith(p) for p in prefixes)}
    return tuned, Head(kind="linear", arrays=arrays), state


def fit_candidate(
    name: str,
    *,
    texts: Sequence[str],
    features: np.ndarray,
    y: np.ndarray,
    f: np.ndarray,
    seed: int,
    tune_layers: int,
    tune_epochs: int,
) -> Fitted:
    """One candidate fitted on these rows, its negative-intensity map included."""
    import numpy as np

    started = time.perf_counter()
    if name == "logreg":
        head = add_intensity(fit_logreg(features, y, f), features, y, f)
        return Fitted(name, head, time.perf_counter() - started)
    if name == "mlp":
        head = add_intensity(fit_mlp(features, y, f, seed=seed), features, y, f)
        return Fitted(name, head, time.perf_counter() - started)
    if name == "tuned":
        tuned, head, state = fit_tuned(texts, y, f, seed=seed, layers=tune_layers, epochs=tune_epochs)
        own = np.hstack([tuned(texts), surface_features(texts)]).astype(np.float32)
        head = add_intensity(head, own, y, f)
        return Fitted(name, head, time.perf_counter() - started, tuned=tuned, tuned_state=state)
    raise ValueError(f"unknown candidate {name!r} (choose from {', '.join(CANDIDATES)})")
