"""Segmentation quality: intersection over union (Jaccard index) of binary masks."""

import numpy as np
from jaxtyping import Bool, Float


def _binary(name: str, mask) -> np.ndarray:
    a = np.asarray(mask)
    if a.dtype == bool:
        return a
    if a.dtype.kind in "iu":
        return a != 0
    raise TypeError(
        f"{name} must be a boolean (or integer label) mask, got dtype {a.dtype}; threshold "
        "probabilities first (e.g. p > 0.5)"
    )


def iou(pred_mask, true_mask) -> Float[np.ndarray, "..."]:
    """Intersection over union ``|P ∩ T| / |P ∪ T|`` of each image.

    **Arguments:**

    - `pred_mask`, `true_mask`: boolean (or integer: non-zero is foreground) masks of the
      same shape: one image ``(H, W)`` or a batch ``(..., H, W)``.

    Returns the IoU of each image (a 0-d array for one image), in [0, 1]. It is 1 where
    both masks are empty (nothing to find, nothing found).
    """
    p, t = _binary("pred_mask", pred_mask), _binary("true_mask", true_mask)
    if p.shape != t.shape:
        raise ValueError(f"pred_mask has shape {p.shape}, true_mask {t.shape}: they must match")
    if p.ndim < 2:
        raise ValueError(f"masks must be (H, W) or (..., H, W), got shape {p.shape}")
    inter = np.sum(p & t, axis=(-2, -1))
    union = np.sum(p | t, axis=(-2, -1))
    return np.where(union == 0, 1.0, inter / np.maximum(union, 1))


def mean_iou(pred_mask: Bool[np.ndarray, "... H W"], true_mask) -> float:
    """The mean of :func:`iou` over the images of a batch."""
    return float(np.mean(iou(pred_mask, true_mask)))
