"""A fixed-size sample of each weight tensor: what the watch can afford to copy every few steps (for
update-to-weight ratios, probes/watch_layers.py) and to fingerprint (probes/watch_rank.py)."""
from __future__ import annotations

import torch

SAMPLE = 4096  # weights sampled per layer for the update-to-weight ratio


def sample(p: torch.Tensor) -> torch.Tensor:
    """A strided view of at most ``SAMPLE`` elements of a parameter: the update ratio's estimate
    (|update| / |weight| over a spread-out subset is the whole layer's ratio within ~1/sqrt(SAMPLE))
    at a cost that does not grow with the layer."""
    flat = p.detach()
    if not flat.is_contiguous() or flat.numel() <= SAMPLE:
        return flat
    flat = flat.view(-1)
    return flat[:: -(-flat.numel() // SAMPLE)]
