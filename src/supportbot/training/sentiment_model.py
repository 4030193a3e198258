"""The sentiment classifier as it runs: text in, a label and a frustration score out
(``core.mood.MoodScorer``).

A turn becomes features: its sentence embedding (the project's embedder, or that embedder with
its last layers fine-tuned on the labelled turns) beside a few surface features. The surface
features are there because all-MiniLM-L6-v2 lowercases its input: without them a turn written
in capitals reads exactly like the same turn written calmly. A small head turns the features into
three class logits (divided by a temperature fitted on held-out rows, so the probabilities are
calibrated) and a frustration score: a regression head; or the class probabilities weighted by
each class's mean frustration; or their mixture, where the negative class's share is weighted by
a regression fitted on negative turns alone. The training run measures the three and keeps the
best.

Saved as one safetensors file of arrays and a JSON file that names the embedder, the head and
how it was chosen; nothing is pickled. Scoring holds no mutable state: one classifier serves
every thread (the tuned encoder's tokenizer is locked, as the embedder's is).
"""

from __future__ import annotations

import functools
import json
import math
import os
import re
import shutil
import tempfile
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from supportbot.core.enums import Sentiment
from supportbot.core.errors import ModelUnavailable
from supportbot.core.mood import Mood

if TYPE_CHECKING:
    import numpy as np

LABELS: tuple[Sentiment, ...] = (Sentiment.negative, Sentiment.neutral, Sentiment.positive)
META_FILE = "sentiment.json"
WEIGHTS_FILE = "weights.safetensors"
FORMAT_VERSION = 2

SURFACE_FEATURES = (
    "capitals",  # share of the letters that are capitals (of turns with at least 8 letters)
    "shouted_words",  # share of the words of 3+ letters written wholly in capitals
    "exclamations",  # "!" count, up to 3, over 3
    "questions",  # "?" count, up to 3, over 3
    "repeated_marks",  # "!!", "?!", "??" anywhere
    "quotes",  # scare quotes: "on its way"
    "ellipsis",
    "length",  # log of the length in characters, over log(400)
    # What was learned elsewhere, on text no generator of ours wrote: the VADER lexicon's compound
    # score and negative share (rule-based, hand-rated words), and alt-profanity-check's
    # probability of offensive language (a linear model trained on public labelled comments). The
    # embedding knows only the turns it was trained beside; abuse in words the sample never uses
    # ("absolute clowns", "bloody useless") still reads as abuse through these.
    "vader_compound",
    "vader_negative",
    "offensive",
)
_WORD = re.compile(r"[A-Za-z]{3,}")


@functools.cache
def _vader() -> Any:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def lexicon_features(texts: Sequence[str]) -> np.ndarray:
    """(compound, negative share, offensive probability) of each text: see SURFACE_FEATURES."""
    import numpy as np
    from profanity_check import predict_prob

    scores = [_vader().polarity_scores(t) for t in texts]
    offensive = predict_prob(list(texts)) if texts else np.zeros(0)
    return np.asarray(
        [[s["compound"], s["neg"], float(o)] for s, o in zip(scores, offensive, strict=True)],
        dtype=np.float32,
    ).reshape(len(texts), 3)


def surface_features(texts: Sequence[str]) -> np.ndarray:
    import numpy as np

    rows = []
    for text in texts:
        letters = [c for c in text if c.isalpha()]
        capitals = sum(c.isupper() for c in letters) / len(letters) if len(letters) >= 8 else 0.0
        words = _WORD.findall(text)
        shouted = sum(w.isupper() for w in words) / len(words) if words else 0.0
        rows.append(
            [
                capitals,
                shouted,
                min(text.count("!"), 3) / 3,
                min(text.count("?"), 3) / 3,
                float(bool(re.search(r"[!?]{2,}", text))),
                float(bool(re.search(r"[\"“”]", text))),
                float("..." in text or "…" in text),
                min(math.log1p(len(text)) / math.log(400), 1.5),
            ]
        )
    shape = np.asarray(rows, dtype=np.float32).reshape(len(rows), len(SURFACE_FEATURES) - 3)
    return np.hstack([shape, lexicon_features(texts)])


# --- heads: numpy at run time -------------------------------------------------------------------


@dataclass(frozen=True)
class Head:
    """Standardised features → ``logits`` (n, 3) and ``frustration`` (n,) in [0, 1].

    ``kind`` "linear": one affine map for the logits and one for the frustration (clipped);
    "mlp": one hidden layer (tanh-approximated GELU) with four outputs, the last a logit of the frustration.
    """

    kind: str
    arrays: dict[str, np.ndarray]

    def __call__(self, features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        import numpy as np

        a = self.arrays
        x = (features - a["mean"]) / a["std"]
        if self.kind == "linear":
            logits = x @ a["w"].T + a["b"]
            frustration = np.clip(x @ a["wf"] + a["bf"], 0.0, 1.0)
            return logits, frustration
        h = x @ a["w1"].T + a["b1"]
        h = 0.5 * h * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (h + 0.044715 * h**3)))  # GELU("tanh")
        out = h @ a["w2"].T + a["b2"]
        return out[:, :3], 1.0 / (1.0 + np.exp(-out[:, 3]))

    def intensity(self, features: np.ndarray) -> np.ndarray:
        """How frustrated a turn is if it is negative: a ridge map fitted on the negative rows."""
        import numpy as np

        a = self.arrays
        x = (features - a["mean"]) / a["std"]
        return np.clip(x @ a["wn"] + a["bn"], 0.0, 1.0)


# --- encoders -----------------------------------------------------------------------------------

Encoder = Callable[[Sequence[str]], "np.ndarray"]


def frozen_encoder(embedder: Any) -> Encoder:
    """The project's embedder as it is (its vectors are what retrieval uses too)."""

    def encode(texts: Sequence[str]) -> np.ndarray:
        return embedder.encode(list(texts), batch_size=64)

    return encode


class TunedEncoder:
    """all-MiniLM-L6-v2 with its last layers replaced by fine-tuned ones; mean pooling and L2
    normalisation as the project's embedder. ``model`` is a transformers BertModel."""

    def __init__(self, model: Any, tokenizer: Any, *, max_length: int = 128) -> None:
        self.model = model.eval()
        self.tokenizer = tokenizer
        self.max_length = max_length
        self._lock = threading.Lock()  # the fast tokenizer's state is set per call (see embedder.py)

    @classmethod
    def packaged(cls) -> TunedEncoder:
        from transformers import AutoModel, AutoTokenizer
        from transformers.utils import logging as hf_logging

        from supportbot.retrieval.embedder import packaged_model_path

        hf_logging.disable_progress_bar()
        path = str(packaged_model_path())
        return cls(AutoModel.from_pretrained(path), AutoTokenizer.from_pretrained(path))

    def tokenize(self, texts: Sequence[str]) -> Any:
        with self._lock:
            return self.tokenizer(
                list(texts), padding=True, truncation=True, max_length=self.max_length, return_tensors="pt"
            )

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        import numpy as np
        import torch

        texts = list(texts)
        out = np.empty((len(texts), self.model.config.hidden_size), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), 64):
            chunk = order[start : start + 64]
            batch = {k: v.to(self.model.device) for k, v in self.tokenize([texts[i] for i in chunk]).items()}
            with torch.inference_mode():
                hidden = self.model(**batch).last_hidden_state
                out[chunk] = mean_pool(hidden, batch["attention_mask"]).float().cpu().numpy()
        return out


def mean_pool(hidden: Any, mask: Any) -> Any:
    import torch

    weights = mask.unsqueeze(-1).to(hidden.dtype)
    pooled = (hidden * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1e-9)
    return torch.nn.functional.normalize(pooled, p=2, dim=1)


def tail_layer_names(model: Any, layers: int) -> list[str]:
    """The state-dict prefixes of the last ``layers`` encoder layers."""
    total = int(model.config.num_hidden_layers)
    return [f"encoder.layer.{i}." for i in range(total - layers, total)]


# --- the classifier -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Predictions:
    probabilities: np.ndarray  # (n, 3) in LABELS order
    frustration: np.ndarray  # (n,)

    def labels(self) -> list[Sentiment]:
        return [LABELS[i] for i in self.probabilities.argmax(axis=1)]


class SentimentClassifier:
    """``score(texts) -> list[Mood]``; ``predict`` gives the class probabilities as well."""

    def __init__(
        self,
        *,
        encoder: Encoder,
        head: Head,
        temperature: float,
        frustration_from: str,
        class_frustration: Sequence[float],
        prior_shift: Sequence[float] = (0.0, 0.0, 0.0),
        meta: dict[str, Any] | None = None,
    ) -> None:
        import numpy as np

        self.encoder = encoder
        self.head = head
        self.temperature = float(temperature)
        self.frustration_from = frustration_from
        self.class_frustration = np.asarray(class_frustration, dtype=np.float64)
        # Added to the tempered logits: log(wanted prior) - log(the labelled rows' class shares)
        # (training.sentiment.prior_shift); zeros keep the rows' own shares.
        self.prior_shift = np.asarray(prior_shift, dtype=np.float64)
        self.meta = meta or {}

    def features(self, texts: Sequence[str]) -> np.ndarray:
        import numpy as np

        return np.hstack([self.encoder(texts), surface_features(texts)]).astype(np.float32)

    def predict_features(self, features: np.ndarray) -> Predictions:
        import numpy as np

        logits, frustration = self.head(features)
        z = logits / self.temperature + self.prior_shift
        z = z - z.max(axis=1, keepdims=True)
        probs = np.exp(z)
        probs /= probs.sum(axis=1, keepdims=True)
        if self.frustration_from == "probabilities":
            frustration = probs @ self.class_frustration
        elif self.frustration_from == "mixture":  # E[frustration] over the classes
            frustration = probs[:, 1:] @ self.class_frustration[1:] + probs[:, 0] * self.head.intensity(
                features
            )
        return Predictions(probabilities=probs, frustration=np.clip(frustration, 0.0, 1.0))

    def predict(self, texts: Sequence[str]) -> Predictions:
        return self.predict_features(self.features(list(texts)))

    def score(self, texts: Sequence[str]) -> list[Mood]:
        texts = list(texts)
        if not texts:
            return []
        p = self.predict(texts)
        return [
            Mood(label=label, frustration=float(f))
            for label, f in zip(p.labels(), p.frustration, strict=True)
        ]


# --- saving and loading -------------------------------------------------------------------------


def save_classifier(
    folder: Path, classifier: SentimentClassifier, *, encoder_state: dict[str, Any] | None = None
) -> Path:
    """Write the classifier into ``folder`` (replaced whole, so a reader never sees half of it)."""
    import numpy as np
    from safetensors.numpy import save_file

    arrays = {
        f"head.{k}": np.ascontiguousarray(v, dtype=np.float32) for k, v in classifier.head.arrays.items()
    }
    for name, tensor in (encoder_state or {}).items():
        arrays[f"encoder.{name}"] = np.ascontiguousarray(tensor.detach().cpu().numpy(), dtype=np.float32)
    meta = {
        **classifier.meta,
        "format": FORMAT_VERSION,
        "labels": [label.value for label in LABELS],
        "head": classifier.head.kind,
        "surface_features": list(SURFACE_FEATURES),
        "temperature": classifier.temperature,
        "frustration_from": classifier.frustration_from,
        "class_frustration": [float(x) for x in classifier.class_frustration],
        "prior_shift": [float(x) for x in classifier.prior_shift],
    }
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
    try:
        save_file(arrays, str(staging / WEIGHTS_FILE))
        (staging / META_FILE).write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n")
        old = folder.with_name(f".{folder.name}-old")
        if folder.exists():
            shutil.rmtree(old, ignore_errors=True)
            os.replace(folder, old)
        os.replace(staging, folder)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return folder


def read_meta(folder: Path) -> dict[str, Any] | None:
    path = folder / META_FILE
    if not path.exists() or not (folder / WEIGHTS_FILE).exists():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def load_classifier(folder: Path, *, device: str = "cpu", embedder: Any = None) -> SentimentClassifier | None:
    """The classifier saved in ``folder``; None when nothing is saved there. ``embedder``: the
    process's embedder to share, when it is the one the classifier was trained on."""
    from safetensors.numpy import load_file

    meta = read_meta(folder)
    if meta is None:
        return None
    if meta.get("format") != FORMAT_VERSION or meta.get("surface_features") != list(SURFACE_FEATURES):
        raise ModelUnavailable(
            f"{folder}: a sentiment classifier of another format; run `supportbot train sentiment` again"
        )
    arrays = load_file(str(folder / WEIGHTS_FILE))
    head = Head(
        kind=meta["head"], arrays={k[len("head.") :]: v for k, v in arrays.items() if k.startswith("head.")}
    )
    encoder_state = {k[len("encoder.") :]: v for k, v in arrays.items() if k.startswith("encoder.")}
    encoder = _encoder_for(meta, encoder_state, device=device, embedder=embedder)
    return SentimentClassifier(
        encoder=encoder,
        head=head,
        temperature=meta["temperature"],
        frustration_from=meta["frustration_from"],
        class_frustration=meta["class_frustration"],
        prior_shift=meta.get("prior_shift", (0.0, 0.0, 0.0)),  # saved before there was one: none
        meta=meta,
    )


def _encoder_for(meta: dict[str, Any], state: dict[str, Any], *, device: str, embedder: Any) -> Encoder:
    from supportbot.retrieval.embedder import canonical_name, load_embedder

    if not state:
        if embedder is None or canonical_name(embedder.name) != meta["embedder"]:
            embedder = load_embedder(meta["embedder"], device=device)
        return frozen_encoder(embedder)
    import torch

    tuned = TunedEncoder.packaged()
    missing, unexpected = tuned.model.load_state_dict(
        {k: torch.from_numpy(v) for k, v in state.items()}, strict=False
    )
    if unexpected or len(missing) == len(tuned.model.state_dict()):
        raise ModelUnavailable(f"the tuned encoder's weights do not fit {meta['embedder']}: {unexpected[:3]}")
    tuned.model.to(device)
    return tuned
