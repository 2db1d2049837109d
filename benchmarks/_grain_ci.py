"""95 % bootstrap intervals of the grain benchmark's held-out figures
(``benchmarks/grains.py``), on :func:`_common.bootstrap_ci`.

The pooled per-grain MAE is a mean over grains, but the grains of one film are not
independent: they share its demagnetising field, its boundaries and neighbours, and one
film's draw of easy axes. Resampling grains (``by_film=False``) treats them as
independent; resampling whole films (``by_film=True``, the cluster bootstrap) keeps each
film's grains together, which is the right unit when the claim is about new films.
Differences are paired: each resample recomputes both predictors' MAEs on the same
grains, so the noise they share (hard films, easy films) cancels.
"""

import numpy as np
from _common import bootstrap_ci


def grain_errors(data, index, pred_fields) -> list[np.ndarray]:
    """Per film of `index`, the absolute errors (T) of its predicted per-grain fields over
    the grains that reversed in the simulation: the items of the pooled per-grain MAE."""
    out = []
    for i, pred in zip(index, pred_fields, strict=True):
        true = data["grain_fields"][i][: data["labels"][i].max() + 1]
        ok = np.isfinite(true)
        out.append(np.abs(np.asarray(pred, float)[ok] - true[ok]))
    return out


def grain_mae_ci(err_a, err_b=None, *, by_film=False, n_boot=1000, seed=0) -> list[float]:
    """The 95 % bootstrap interval ``[lo, hi]`` (T) of the pooled per-grain MAE of `err_a`,
    or, given `err_b`, of the paired difference MAE(a) − MAE(b): both recomputed on the
    same resample. `err_a`, `err_b`: per film, the absolute errors of its grains
    (:func:`grain_errors`, the same grains in both). ``by_film=False`` resamples grains;
    ``by_film=True`` resamples whole films (the cluster bootstrap) and pools the grains of
    the films drawn."""
    a = [np.asarray(e, float).ravel() for e in err_a]
    if err_b is None:
        b = [np.zeros_like(e) for e in a]
    else:
        b = [np.asarray(e, float).ravel() for e in err_b]
    if len(a) != len(b) or any(x.shape != y.shape for x, y in zip(a, b, strict=True)):
        raise ValueError("err_a and err_b must hold the same films with the same grains")
    if by_film:
        keep = [j for j, e in enumerate(a) if e.size]  # a film with no reversed grain adds nothing
        if not keep:
            raise ValueError("no film has a grain to score")
        sa = np.array([a[j].sum() for j in keep])
        sb = np.array([b[j].sum() for j in keep])
        n = np.array([a[j].size for j in keep], float)
        return bootstrap_ci(
            lambda i: (sa[i].sum() - sb[i].sum()) / n[i].sum(), len(keep), n_boot=n_boot, seed=seed
        )
    fa, fb = np.concatenate(a), np.concatenate(b)
    if not fa.size:
        raise ValueError("no grain to score")
    return bootstrap_ci(lambda i: fa[i].mean() - fb[i].mean(), fa.size, n_boot=n_boot, seed=seed)


def film_mean_ci(values, *, n_boot=1000, seed=0) -> list[float]:
    """The 95 % bootstrap interval of the mean (NaN left out) of a per-film figure over
    the films."""
    v = np.asarray(values, float)
    return bootstrap_ci(lambda i: np.nanmean(v[i]), len(v), n_boot=n_boot, seed=seed)


def headline_cis(score, errs, *, n_boot=1000, seed=0) -> dict:
    """95 % intervals of one predictor's held-out figures: loop L1 and Hc error over films,
    the per-grain MAE over grains and over films."""
    per_film = score["per_film"]
    return {
        "loop_l1_rel": film_mean_ci(per_film["loop_l1_rel"], n_boot=n_boot, seed=seed),
        "hc_rel_err": film_mean_ci(per_film["hc_rel_err"], n_boot=n_boot, seed=seed),
        "grain_hs_mae": grain_mae_ci(errs, n_boot=n_boot, seed=seed),
        "grain_hs_mae_by_film": grain_mae_ci(errs, by_film=True, n_boot=n_boot, seed=seed),
    }


def mean_std(values) -> dict:
    """Mean and sample standard deviation (ddof 1; 0 for one value) of a list."""
    v = np.asarray(values, float)
    return {"mean": float(v.mean()), "std": float(v.std(ddof=1)) if v.size > 1 else 0.0}
