"""Per-layer measurements a watch can afford every few steps: a fixed-size sample of each weight
tensor (for update-to-weight ratios), the layer of each sampled element, and gradient norms in one call."""
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


def segments(samples: list) -> torch.Tensor | None:
    """The layer index of every element of the concatenated samples (None when they span devices)."""
    if not samples or len({s.device for s in samples}) > 1:
        return None
    sizes = torch.tensor([s.numel() for s in samples], device=samples[0].device)
    return torch.repeat_interleave(torch.arange(len(samples), device=samples[0].device), sizes)


def norms(tensors: list) -> list:
    try:
        return list(torch._foreach_norm(tensors, 2, dtype=torch.float32))
    except (RuntimeError, TypeError):  # mixed layouts or an older signature: one by one
        return [torch.linalg.vector_norm(t.float()) for t in tensors]
