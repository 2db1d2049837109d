"""The coefficient of determination, ``R² = 1 − SSE / SST``, in its two forms for several
outputs. Both pool the squared errors of every output; they differ in the mean that SST
is taken about:

- :func:`r2_pooled`: one mean over all the (finite) target entries, as if every entry
  were one sample. A predictor that knows each output's mean (a map's per-cell mean,
  say) already scores above 0.
- :func:`r2_variance_weighted`: each output's own mean over the samples (scikit-learn's
  ``r2_score(multioutput="variance_weighted")``). A predictor that ignores its inputs
  scores at most 0.
"""

import numpy as np


def r2_pooled(y_true, y_pred) -> float:
    """``1 − SSE / SST`` over the finite entries of `y_true` (NaN entries, such as cells
    that never switched, are left out), all outputs flattened into one sample: SST is
    about the single mean of those entries. Used by the grain models."""
    t = np.asarray(y_true, float).ravel()
    p = np.asarray(y_pred, float).ravel()
    if p.shape != t.shape:
        raise ValueError(f"y_pred has {p.size} entries, y_true {t.size}")
    ok = np.isfinite(t)
    t, p = t[ok], p[ok]
    sst = float(np.sum((t - t.mean()) ** 2)) if t.size else 0.0
    if not sst > 0:
        raise ValueError("R² needs finite targets that vary")
    return float(1 - np.sum((p - t) ** 2) / sst)


def r2_variance_weighted(y_true, y_pred) -> float:
    """``1 − SSE / SST`` of samples along the first axis (any output shape after it):
    SSE and SST are summed over every output, SST about each output's mean over the
    samples. Used by the trust adapters."""
    t = np.asarray(y_true, float).reshape(len(y_true), -1)
    p = np.asarray(y_pred, float).reshape(t.shape)
    sst = float(np.sum((t - t.mean(0)) ** 2))
    if not sst > 0:
        raise ValueError("R² needs targets that vary across samples")
    return 1.0 - float(np.sum((t - p) ** 2)) / sst
