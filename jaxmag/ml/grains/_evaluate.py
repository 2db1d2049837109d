"""Scoring predicted switching fields against direct simulation.

A predictor gives each grain of a film a switching field (T). Its curve is the reversed
volume fraction of the map that puts each grain's field on its cells
(:func:`jaxmag.ml.grains.reversed_fraction`); the reference curve is the simulated
fraction of cells with ``m·d < 0`` (the dataset's `reversed`). The figures per film:

- `loop_l1_rel`: the L1 distance between the curves over the sweep, as a fraction of the
  swept field range;
- `hc_rel_err`: ``|H_c,pred − H_c,sim| / |H_c,sim|``, the coercive field being where the
  reversed fraction reaches one half;
- `grain_hs_mae`: the mean absolute error of the per-grain fields in T, over the grains
  that reversed in the simulation.
"""

import numpy as np

from jaxmag.ml.grains._curves import coercive_field, loop_l1_rel, reversed_fraction


def grain_field_map(labels, grain_fields) -> np.ndarray:
    """The map ``(nx, ny)`` that puts each grain's field on its cells."""
    return np.asarray(grain_fields, float)[np.asarray(labels)]


def film_scores(
    B, labels, reversed_sim, true_fields, pred_fields, pred_map=None
) -> dict[str, float]:
    """The three figures (see the module docstring) of one film: `labels` ``(nx, ny)``,
    the simulated curve `reversed_sim` ``(steps,)`` at the fields `B` (T), the simulated
    and predicted per-grain fields ``(n_grains,)`` in T. A per-cell predictor passes its
    map ``(nx, ny)`` as `pred_map`, and its curve comes from that map."""
    true = np.asarray(true_fields, float)
    pred = np.asarray(pred_fields, float)
    if true.shape != pred.shape:
        raise ValueError(f"true fields {true.shape} and predicted {pred.shape} differ in shape")
    fmap = grain_field_map(labels, pred) if pred_map is None else np.asarray(pred_map, float)
    curve = reversed_fraction(fmap, B)
    hc_sim = coercive_field(B, reversed_sim)
    hc_pred = coercive_field(B, curve)
    ok = np.isfinite(true)
    return {
        "loop_l1_rel": float(loop_l1_rel(B, curve, reversed_sim)),
        "hc_rel_err": float(abs(hc_pred - hc_sim) / abs(hc_sim)),
        "grain_hs_mae": float(np.mean(np.abs(pred[ok] - true[ok]))) if ok.any() else np.nan,
        "hc_sim": float(hc_sim),
        "hc_pred": float(hc_pred),
    }


def dataset_scores(data: dict, index, pred_fields: list, pred_maps=None) -> dict[str, float]:
    """Mean figures over the films `index` of a grain dataset, given the predicted
    per-grain fields of each (a list in the order of `index`) and, for a per-cell
    predictor, its maps ``(len(index), nx, ny)``. Also returns the per-grain MAE pooled
    over all grains (`grain_hs_mae_pooled`) and the per-film lists."""
    rows, errs = [], []
    for j, (i, pred) in enumerate(zip(index, pred_fields, strict=True)):
        labels = data["labels"][i]
        n = int(labels.max()) + 1
        true = data["grain_fields"][i][:n]
        pm = None if pred_maps is None else pred_maps[j]
        rows.append(film_scores(data["B"], labels, data["reversed"][i], true, pred, pm))
        ok = np.isfinite(true)
        errs.append(np.abs(np.asarray(pred, float)[ok] - true[ok]))
    out = {k: float(np.nanmean([r[k] for r in rows])) for k in rows[0]}
    out["grain_hs_mae_pooled"] = float(np.concatenate(errs).mean())
    out["per_film"] = {k: [r[k] for r in rows] for k in ("loop_l1_rel", "hc_rel_err")}
    return out
