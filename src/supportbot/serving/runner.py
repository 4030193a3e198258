"""The model runner and the running batch's state: its rows, their KV cache and attention mask.

Each row of the batch is one sequence. New sequences are prefilled together (left-padded) and
their cache is merged into the batch's, left-padding the shorter side; a decode step feeds every
row its pending token; rows that leave are selected out (``batch_select_indices``) and padding
columns nobody needs any more are trimmed. Positions come from each row's attention mask, so
left padding changes nothing: greedy output equals ``model.generate`` on the prompt alone.

Rows may run different adapters in the same forward pass (peft's mixed-batch ``adapter_names``).
A forward pass that fails raises :class:`ForwardFailed` and leaves the batch as it was.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from supportbot.serving.adapters import PEFT_BASE, AdapterManager
from supportbot.serving.sequence import Seq

if TYPE_CHECKING:
    import torch
    from transformers import DynamicCache


class ForwardFailed(Exception):
    """The model's forward pass raised ``error`` (e.g. out of memory); the batch is unchanged."""

    def __init__(self, error: Exception) -> None:
        super().__init__(str(error))
        self.error = error

    def describe(self) -> str:
        return f"{type(self.error).__name__}: {self.error}"


class ModelRunner:
    def __init__(self, adapters: AdapterManager, *, pad_token_id: int, device: torch.device) -> None:
        self.adapters = adapters
        self.pad_token_id = pad_token_id
        self.device = device
        self.active: list[Seq] = []  # the batch's rows, in order
        self.cache: Any = None  # DynamicCache of the rows (None while the batch is empty)
        self.mask: Any = None  # their attention mask (rows x columns)

    def forward(
        self,
        ids: torch.Tensor,
        mask: torch.Tensor,
        positions: torch.Tensor,
        cache: DynamicCache | None,
        keys: list[str | None],
    ) -> tuple[torch.Tensor, DynamicCache]:
        """The last position's logits and the grown cache; raises ForwardFailed."""
        from transformers import DynamicCache

        kwargs: dict[str, Any] = {
            "input_ids": ids,
            "attention_mask": mask,
            "position_ids": positions,
            "cache": cache if cache is not None else DynamicCache(),
            "use_cache": True,
            "logits_to_keep": 1,
        }
        adapters = self.adapters
        if adapters.peft:
            kwargs["adapter_names"] = [k or PEFT_BASE for k in keys]
        try:
            out = adapters.model(**kwargs)
        except Exception as exc:
            self._after_failure()
            raise ForwardFailed(exc) from exc
        return out.logits[:, -1, :], out.cache

    def _after_failure(self) -> None:
        import torch

        if self.device.type == "cuda":
            torch.cuda.empty_cache()

    # --- prefill --------------------------------------------------------------------------------

    def prefill(self, group: list[Seq]) -> tuple[torch.Tensor, DynamicCache, torch.Tensor]:
        """Logits, cache and mask of the group's prompts, one row per sequence (not yet in the
        batch: see :meth:`merge`). The n choices of one prompt share its prefill."""
        import torch

        rows: dict[tuple[int, int], int] = {}
        unique: list[Seq] = []
        for seq in group:
            if (seq.job.id, seq.prompt_index) not in rows:
                rows[(seq.job.id, seq.prompt_index)] = len(unique)
                unique.append(seq)
        width = max(len(s.prompt) for s in unique)
        ids = torch.full((len(unique), width), self.pad_token_id, dtype=torch.long)
        mask = torch.zeros((len(unique), width), dtype=torch.long)
        for r, seq in enumerate(unique):
            ids[r, width - len(seq.prompt) :] = torch.tensor(seq.prompt, dtype=torch.long)
            mask[r, width - len(seq.prompt) :] = 1
        ids, mask = ids.to(self.device), mask.to(self.device)
        positions = (mask.cumsum(-1) - 1).clamp(min=0)
        logits, cache = self.forward(ids, mask, positions, None, [s.key for s in unique])
        # The choices' cache rows are copies of their prompt's.
        select = torch.tensor([rows[(s.job.id, s.prompt_index)] for s in group], device=self.device)
        if len(select) != len(unique) or bool(
            (select != torch.arange(len(unique), device=self.device)).any()
        ):
            cache.batch_select_indices(select)
            logits, mask = logits.index_select(0, select), mask.index_select(0, select)
        return logits, cache, mask

    def merge(self, seqs: list[Seq], cache: DynamicCache, mask: torch.Tensor) -> None:
        """Join new rows to the running batch, left-padding the shorter side's cache."""
        import torch
        from transformers import DynamicCache

        if not self.active:
            self.active, self.cache, self.mask = list(seqs), cache, mask
            return
        old_len, new_len = self.mask.shape[1], mask.shape[1]
        width = max(old_len, new_len)

        def pad(t: torch.Tensor, n: int) -> torch.Tensor:
            return t if n == 0 else torch.nn.functional.pad(t, (0, 0, n, 0))

        layers = [
            (
                torch.cat([pad(k_old, width - old_len), pad(k_new, width - new_len)]),
                torch.cat([pad(v_old, width - old_len), pad(v_new, width - new_len)]),
            )
            for (k_old, v_old, _), (k_new, v_new, _) in zip(self.cache, cache, strict=True)
        ]
        self.cache = DynamicCache(ddp_cache_data=layers)
        self.mask = torch.cat(
            [
                torch.nn.functional.pad(self.mask, (width - old_len, 0)),
                torch.nn.functional.pad(mask, (width - new_len, 0)),
            ]
        )
        self.active.extend(seqs)

    # --- decoding -------------------------------------------------------------------------------

    def decode(self) -> torch.Tensor:
        """One step for every row: feed its pending token, get the logits of its next one."""
        import torch

        rows = self.active
        ids = torch.tensor([[s.pending] for s in rows], dtype=torch.long, device=self.device)
        before = self.mask.shape[1]
        mask = torch.cat([self.mask, torch.ones((len(rows), 1), dtype=torch.long, device=self.device)], dim=1)
        positions = mask.sum(dim=-1, keepdim=True) - 1
        try:
            logits, self.cache = self.forward(ids, mask, positions, self.cache, [s.key for s in rows])
        except ForwardFailed:
            self._undo_step(before)
            raise
        self.mask = mask
        return logits

    def _undo_step(self, length: int) -> None:
        """A failed forward may have grown some layers' cache: cut them back to ``length``."""
        from transformers import DynamicCache

        layers = [(k[:, :, :length], v[:, :, :length]) for k, v, _ in self.cache]
        self.cache = DynamicCache(ddp_cache_data=layers)

    # --- leaving --------------------------------------------------------------------------------

    def keep_rows(self, keep: list[int]) -> None:
        """Keep only these rows (indices into ``active``), and trim the padding nobody needs."""
        import torch

        if not keep:
            self.clear()
            return
        index = torch.tensor(keep, dtype=torch.long, device=self.device)
        self.active = [self.active[i] for i in keep]
        self.cache.batch_select_indices(index)
        self.mask = self.mask.index_select(0, index)
        lead = int(self.mask.any(dim=0).int().argmax())
        if lead > 0:
            from transformers import DynamicCache

            self.mask = self.mask[:, lead:]
            layers = [(k[:, :, lead:], v[:, :, lead:]) for k, v, _ in self.cache]
            self.cache = DynamicCache(ddp_cache_data=layers)

    def clear(self) -> None:
        self.active, self.cache, self.mask = [], None, None
