"""The trust layer applied to four of jaxmag's trained models.

Each adapter wraps one model in the trust layer's contract (``fit(X, y, params, key)``,
``score(model, X, y)``, higher is better) and adds what a report needs: data from the
package's own solvers, a shifted set outside the training distribution, predictions,
an error measure and the model's features for the applicability domain.

- :class:`SwitchingTrust`: the switching classifier, AUC (:mod:`._switching`);
- :class:`KernelStepperTrust`, :class:`NeuralStepperTrust`: the kernel and neural latent
  steppers, scored by their benchmark's headline (``benchmarks/latent_sp4.py``'s
  ``s_median_err``, the median over held-out trajectories of the rollout's
  max |Δ⟨m_i⟩|) negated, so that higher is better (:mod:`._latent`);
- :class:`HomogenisationTrust`: the homogenisation CNN, R² of ``log μ_eff``
  (:mod:`._homogenisation`).

:func:`trust_report` runs every check on one adapter and returns a JSON-ready dict;
``jaxmag trust --quick`` runs it on all four and prints one JSON
object as its last line.

Most of a quick report's time is compilation: the package's training loops compile a
fresh program per call and per array shape. The quick sizes are multiples of 3, so that
3-fold cross-validation trains on one shape, and ``main`` turns on jax's persistent
compilation cache, so that repeated fits of one shape and setting compile once.
"""

import contextlib
import time
from typing import Protocol

import jax
import numpy as np
from jaxtyping import PRNGKeyArray

from jaxmag.ml.trust._domain import ApplicabilityDomain
from jaxmag.ml.trust._robustness import (
    holdout_split,
    noise_sensitivity,
    spread_of,
    y_randomisation,
)
from jaxmag.ml.trust._tuning import cross_validated_search
from jaxmag.ml.trust.adapters._common import SP4Trajectories
from jaxmag.ml.trust.adapters._homogenisation import HomogenisationTrust
from jaxmag.ml.trust.adapters._kernel import KernelStepperTrust
from jaxmag.ml.trust.adapters._neural import NeuralStepperTrust
from jaxmag.ml.trust.adapters._switching import SwitchingTrust

SIGMAS = (0.01, 0.05, 0.1)
"""Relative input-noise levels of the report (times each input's spread)."""
SEEDS = (0, 1, 2)
"""Training seeds of the report's seed spread."""


class TrustAdapter(Protocol):
    """What :func:`trust_report` needs of a model. ``X`` and ``y`` are arrays with a
    leading sample axis; ``params`` holds names of ``space`` (others come from
    ``default``). ``score`` is higher for a better model; ``error`` is the adapter's
    error measure. An adapter may name its score in a ``score_name`` attribute, which
    the report records, may fix its held-out samples with a method
    ``heldout(X, frac_test, key) -> (train, test)`` index arrays, and may give the
    score of a physics reference it corrects, ``reference_score(X, y)``."""

    name: str
    space: dict[str, list]
    default: dict

    def data(self, key: PRNGKeyArray, quick: bool) -> tuple[np.ndarray, np.ndarray]: ...
    def shifted(self, key: PRNGKeyArray, quick: bool) -> tuple[np.ndarray, np.ndarray]: ...
    def fit(self, X, y, params: dict, key: PRNGKeyArray): ...
    def score(self, model, X, y) -> float: ...
    def error(self, model, X, y) -> float: ...
    def predict(self, model, X) -> np.ndarray: ...
    def features(self, model, X) -> np.ndarray: ...


def all_adapters() -> list:
    """The four adapters with their default settings (the steppers share one set of
    trajectories)."""
    traj = SP4Trajectories()
    return [SwitchingTrust(), KernelStepperTrust(traj), NeuralStepperTrust(traj),
            HomogenisationTrust()]  # fmt: skip


@contextlib.contextmanager
def compilation_cache(folder):
    """Use jax's persistent compilation cache in `folder` (``None``: leave it off).

    The training loops of the package compile a fresh closure on every call; with the
    cache, fits of the same shapes and settings reuse the compiled program."""
    if folder is None:
        yield
        return
    names = ("jax_compilation_cache_dir", "jax_persistent_cache_min_compile_time_secs",
             "jax_persistent_cache_min_entry_size_bytes")  # fmt: skip
    old = {n: getattr(jax.config, n) for n in names}
    try:
        for n, v in zip(names, (str(folder), 0.5, 0), strict=True):
            jax.config.update(n, v)
        yield
    finally:
        for n, v in old.items():
            jax.config.update(n, v)


def _maybe(fn, *args):
    """``fn(*args)`` as a float, or ``None`` where it is undefined (e.g. AUC of one class)."""
    try:
        return float(fn(*args))
    except ValueError:
        return None


def trust_report(
    adapter: TrustAdapter,
    *,
    key: PRNGKeyArray,
    quick: bool,
    budget: int,
    k: int = 3,
    frac_test: float = 0.25,
    compile_cache=None,
    verbose: bool = True,
) -> dict:
    """Every trust check of one adapter, as a JSON-ready dict.

    0. One split of the samples into training and held-out ones, used by every check
       below: the adapter's own ``heldout(X, frac_test, key)`` where it has one (the
       latent steppers hold out their benchmark's test fields), else
       :func:`holdout_split` with `frac_test`.
    1. ``search``: `k`-fold :func:`cross_validated_search` over ``adapter.space`` (at
       most `budget` points) on the training samples alone, trying the adapter's
       default first (the setting its benchmark trains); its ``record()``. The chosen
       setting is used below.
    Every score below is ``adapter.score`` (named in ``score_name``, where the adapter
    names it), higher is better; for the latent steppers it is minus their benchmark's
    headline error.

    2. ``seed_spread``: held-out score of the chosen setting over the training seeds
       ``SEEDS`` (``jax.random.key(seed)``).
    3. ``y_randomisation``: held-out score with true targets (the first seed's model)
       and with shuffled ones; where the adapter has ``reference_score(X, y)`` (the
       score of a physics reference the model only corrects, which no shuffle removes),
       also that score on the held-out samples, as ``reference``.
    4. ``noise_sensitivity`` at ``SIGMAS``, of the first seed's model, on the held-out
       inputs.
    5. ``domain``: an :class:`ApplicabilityDomain` (k-NN) on that model's training
       features; the share of held-out in-domain samples it flags (``false_flag_rate``)
       and of the shifted set (``detection_rate``), and the score and error of both.

    `compile_cache`: a folder for jax's persistent compilation cache while the report
    runs (see :func:`compilation_cache`). Progress lines go to stdout when `verbose`.
    """
    log = print if verbose else (lambda *a, **kw: None)
    name = adapter.name
    times = {}
    t_all = last = time.perf_counter()

    def lap(stage):
        nonlocal last
        now = time.perf_counter()
        times[stage] = now - last
        last = now
        log(f"[{name}] {stage} done ({times[stage]:.1f} s)", flush=True)

    kd, ks, kcv, kyr, ksplit, knoise = jax.random.split(key, 6)
    fit, score = adapter.fit, adapter.score
    with compilation_cache(compile_cache):
        X, y = adapter.data(kd, quick)
        Xs, ys = adapter.shifted(ks, quick)
        if hasattr(adapter, "heldout"):
            tr, te = adapter.heldout(X, frac_test, ksplit)
        else:
            tr, te = holdout_split(len(X), frac_test, ksplit)
        log(f"[{name}] {len(tr)} training, {len(te)} held-out, {len(Xs)} shifted", flush=True)
        lap("data")
        first = {n: adapter.default[n] for n in adapter.space if n in adapter.default}
        search = cross_validated_search(
            fit, score, X[tr], y[tr], adapter.space, key=kcv, k=k, budget=budget,
            first=first if len(first) == len(adapter.space) else None, verbose=verbose,
        )  # fmt: skip
        best = search.best
        lap("search")
        models = [fit(X[tr], y[tr], best, jax.random.key(int(s))) for s in SEEDS]
        spread = spread_of(score(mo, X[te], y[te]) for mo in models)
        model = models[0]
        log(f"[{name}] seeds {spread['scores']}", flush=True)
        lap("seed_spread")
        yr = y_randomisation(fit, score, X, y, best, key=kyr, split=(tr, te),
                             true_score=spread["scores"][0])  # fmt: skip
        if hasattr(adapter, "reference_score"):
            yr["reference"] = float(adapter.reference_score(X[te], y[te]))
        log(f"[{name}] true {yr['true']:.3f}, shuffled {yr['shuffled']:.3f}", flush=True)
        lap("y_randomisation")
        noise = noise_sensitivity(lambda A: adapter.predict(model, A), X[te], SIGMAS, key=knoise)
        lap("noise_sensitivity")
        F_tr = adapter.features(model, X[tr])
        ad = ApplicabilityDomain.fit(F_tr, k=min(5, len(tr) - 1))
        rates = ad.rates(adapter.features(model, X[te]), adapter.features(model, Xs))
        domain = {
            **rates,
            "n_features": int(F_tr.shape[1]),
            "n_train": len(tr),
            "n_heldout": len(te),
            "n_shifted": len(Xs),
            "score_heldout": _maybe(score, model, X[te], y[te]),
            "score_shifted": _maybe(score, model, Xs, ys),
            "error_heldout": float(adapter.error(model, X[te], y[te])),
            "error_shifted": float(adapter.error(model, Xs, ys)),
        }
        log(f"[{name}] domain: flags {rates['detection_rate']:.2f} of shifted, "
            f"{rates['false_flag_rate']:.2f} of held-out; error {domain['error_heldout']:.3g} "
            f"→ {domain['error_shifted']:.3g} shifted", flush=True)  # fmt: skip
        lap("domain")
    times["total"] = time.perf_counter() - t_all
    return {
        "adapter": name,
        "score_name": getattr(adapter, "score_name", None),
        "quick": bool(quick),
        "n_samples": len(X),
        "search": search.record(),
        "y_randomisation": yr,
        "seed_spread": spread,
        "noise_sensitivity": {str(s): v for s, v in noise.items()},
        "domain": domain,
        "seconds": times,
    }
