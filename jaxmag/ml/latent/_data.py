"""Training data for latent-space time steppers: two field families of µMAG SP4.

A permalloy film of 500 × 125 × 3 nm (100 × 25 × 1 cells of 5 × 5 × 3 nm by default)
starts from the relaxed s-state and evolves for ``t1`` (1 ns) in an in-plane field
``(Bx, By)`` (mT), with the full field m saved every ``dt_save`` (10 ps). Trajectories
for many fields run batched (``vmap`` over the field) through :func:`jaxmag.simulate`.

Two families of fields (:data:`FAMILIES`):

- ``"S"`` (switching): |B| 15–45 mT at 160°–200°, SP4's own fields 1 and 2 among them;
  most of these fields reverse the film, and the outcome hangs on fractions of a degree
  near 180°–190°.
- ``"P"`` (precession): |B| 2–12 mT at any angle 0–360°; these ring the s-state without
  reversing it, and ⟨m⟩(t) depends smoothly on the field.

:func:`sp4_family` caches its result on disk as ``.npz`` together with every generating
parameter; a cached file is used only if all parameters match exactly, otherwise the data
is regenerated (and the cache rewritten atomically).
"""

import hashlib
import json
import time
import warnings
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
from scipy.stats import qmc

from jaxmag._validate import check_int
from jaxmag.dynamics._simulate import simulate
from jaxmag.io._atomic import atomic_write
from jaxmag.problems import sp4
from jaxmag.statics._relax import minimise

B_RANGE_MT = (15.0, 45.0)
"""|B| of family S (mT)."""
ANGLE_RANGE_DEG = (160.0, 200.0)
"""In-plane field angle of family S, from +x (degrees)."""
TEST_FIELDS_MT = ((-24.6, 4.3), (-35.5, -6.3))
"""SP4 fields 1 and 2 (mT), in-plane components: the first test fields of family S."""
FAMILIES = {
    "S": {"b_range_mT": B_RANGE_MT, "angle_range_deg": ANGLE_RANGE_DEG,
          "test_fields_mT": TEST_FIELDS_MT},
    "P": {"b_range_mT": (2.0, 12.0), "angle_range_deg": (0.0, 360.0), "test_fields_mT": ()},
}  # fmt: skip
"""The field families: |B| range (mT), angle range (degrees from +x) and the fixed test
fields (mT) that come before the random held-out ones."""
FORMAT_VERSION = 2


def family_ranges(family: str) -> tuple[tuple[float, float], tuple[float, float]]:
    """``(|B| range in mT, angle range in degrees)`` of family ``"S"`` or ``"P"``."""
    if family not in FAMILIES:
        raise ValueError(f"family must be one of {sorted(FAMILIES)}, got {family!r}")
    f = FAMILIES[family]
    return f["b_range_mT"], f["angle_range_deg"]


def fields_from_polar(b_mT, angle_deg) -> np.ndarray:
    """``(Bx, By)`` in mT from magnitude (mT) and in-plane angle from +x (degrees)."""
    a = np.deg2rad(np.asarray(angle_deg, dtype=float))
    b = np.asarray(b_mT, dtype=float)
    return np.stack([b * np.cos(a), b * np.sin(a)], axis=-1)


def sobol_fields(n: int, *, seed: int = 0, family: str = "S") -> np.ndarray:
    """``n`` quasi-random fields (scrambled Sobol sequence) uniform in |B| and angle over
    the ranges of ``family`` (S: 15–45 mT, 160°–200°; P: 2–12 mT, 0°–360°). Shape
    ``(n, 2)``, (Bx, By) in mT. The first ``k`` of ``n`` points are ``sobol_fields(k)``
    (nested training sets). Powers of two keep the sequence's balance properties; other
    ``n`` are allowed (scipy's warning about it is silenced here, on purpose)."""
    n = check_int("n", n, minimum=1)
    (b0, b1), (a0, a1) = family_ranges(family)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The balance properties of Sobol")
        u = qmc.Sobol(2, scramble=True, seed=seed).random(n)
    return fields_from_polar(b0 + u[:, 0] * (b1 - b0), a0 + u[:, 1] * (a1 - a0))


def random_fields(n: int, *, seed: int, family: str = "S") -> np.ndarray:
    """``n`` pseudo-random fields, uniform in |B| and angle over the ranges of ``family``."""
    n = check_int("n", n, minimum=0)
    b_range, a_range = family_ranges(family)
    rng = np.random.default_rng(seed)
    return fields_from_polar(rng.uniform(*b_range, n), rng.uniform(*a_range, n))


def relaxed_s_state(cells) -> jax.Array:
    """The SP4 s-state, relaxed with :func:`jaxmag.minimise` from m ∝ (1, 0.25, 0.1)."""
    r = minimise(sp4.system(cells), sp4.initial_state(cells))
    if not bool(r.converged):
        raise RuntimeError(f"s-state relaxation did not converge (torque {r.max_torque:.2e})")
    return r.m


def trajectory_fn(cells, t1: float, dt_save: float, m0, *, rtol: float = 1e-5):
    """``run(B) -> (T, 3, nx, ny)``: the full solver's trajectory for one in-plane field
    ``B = (Bx, By)`` in mT (jit-able and ``vmap``-able), snapshots every ``dt_save`` (s)
    from 0 to ``t1`` (s), starting at ``m0``."""
    if cells[2] != 1:
        raise ValueError(f"the SP4 family is a single layer of cells, got nz = {cells[2]}")
    n_t = int(round(t1 / dt_save))
    if n_t < 1 or not np.isclose(n_t * dt_save, t1, rtol=1e-9, atol=0.0):
        raise ValueError(f"t1 = {t1} must be a positive multiple of dt_save = {dt_save}")
    ts = jnp.arange(n_t + 1) * dt_save

    def run(b):
        s = sp4.system(cells, jnp.stack([b[0], b[1], jnp.zeros_like(b[0])]))
        tr = simulate(s, m0, t1, ts=ts, snapshots=True, rtol=rtol, atol=rtol,
                      save_energies=False)  # fmt: skip
        return tr.snapshots[..., 0]

    return run


def simulate_fields(
    fields_mT,
    cells=(100, 25, 1),
    t1: float = 1e-9,
    dt_save: float = 1e-11,
    *,
    m0=None,
    batch: int = 8,
    rtol: float = 1e-5,
    progress: bool = False,
) -> np.ndarray:
    """Full-field trajectories for each in-plane field, ``(F, T, 3, nx, ny)`` float32,
    with ``T = round(t1 / dt_save) + 1`` snapshots from t = 0; ``batch`` fields per
    ``vmap``-ped solve."""
    fields_mT = np.asarray(fields_mT, dtype=float).reshape(-1, 2)
    m0 = relaxed_s_state(cells) if m0 is None else m0
    run = jax.jit(jax.vmap(trajectory_fn(cells, t1, dt_save, m0, rtol=rtol)))
    out = []
    t = time.perf_counter()
    for lo in range(0, len(fields_mT), batch):
        chunk = fields_mT[lo : lo + batch]
        pad = batch - len(chunk)
        b = jnp.asarray(np.concatenate([chunk, np.repeat(chunk[-1:], pad, 0)]))
        out.append(np.asarray(run(b), dtype=np.float32)[: len(chunk)])
        if progress:
            done = lo + len(chunk)
            print(f"  {done}/{len(fields_mT)} trajectories, {time.perf_counter() - t:.0f} s",
                  flush=True)  # fmt: skip
    return np.concatenate(out)


def _params(**kw) -> dict:
    return {k: (np.asarray(v).round(12).tolist() if hasattr(v, "__len__") else v)
            for k, v in kw.items()}  # fmt: skip


def cached_trajectories(
    cache_dir,
    fields_mT,
    *,
    cells=(100, 25, 1),
    t1: float = 1e-9,
    dt_save: float = 1e-11,
    rtol: float = 1e-5,
    progress: bool = False,
) -> tuple[np.ndarray, Path, bool]:
    """:func:`simulate_fields` from the relaxed s-state, cached in ``cache_dir`` as
    ``.npz`` with every generating parameter: a file is used only if all of them match
    (fields to 1e-12 mT), otherwise the trajectories are simulated and the file rewritten
    atomically. Returns ``(m (F, T, 3, nx, ny) float32, path, regenerated)``."""
    fields_mT = np.asarray(fields_mT, dtype=float).reshape(-1, 2)
    if len(fields_mT) == 0:
        raise ValueError("no fields to simulate")
    if not np.all(np.isfinite(fields_mT)):
        raise ValueError("fields_mT contains NaN or inf")
    params = _params(version=FORMAT_VERSION, cells=cells, t1=t1, dt_save=dt_save, rtol=rtol,
                     fields=fields_mT, Ms=sp4.MS, A=sp4.A, alpha=sp4.ALPHA,
                     size=sp4.SIZE)  # fmt: skip
    path = cache_path(cache_dir, "sp4_trajectories", params)
    m = read_cache(path, params, progress)
    if m is not None:
        return m, path, False
    if progress:
        print(f"simulating {len(fields_mT)} trajectories ...", flush=True)
    m = simulate_fields(fields_mT, cells, t1, dt_save, rtol=rtol, progress=progress)
    write_cache(path, params, m)
    return m, path, True


def cache_path(cache_dir, prefix: str, params: dict) -> Path:
    """``cache_dir/<prefix>_<hash of params>.npz``."""
    digest = hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()[:16]
    return Path(cache_dir) / f"{prefix}_{digest}.npz"


def read_cache(path: Path, params: dict, progress: bool = False) -> np.ndarray | None:
    """The array ``m`` of a cache file written with exactly ``params``; ``None`` if the
    file is missing, unreadable or was made with other parameters."""
    if not path.is_file():
        return None
    try:
        with np.load(path) as z:
            if json.loads(str(z["params"])) == params:
                return z["m"]
    except (ValueError, KeyError, OSError) as e:
        if progress:
            print(f"  cache {path} unreadable ({e}); regenerating", flush=True)
    return None


def write_cache(path: Path, params: dict, m) -> None:
    """Write ``m`` with its ``params`` to ``path``, atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(path, "wb") as f:
        np.savez(f, params=json.dumps(params, sort_keys=True), m=m)


def heldout_fields(family: str = "S", n_heldout: int = 16, *, seed: int = 0) -> np.ndarray:
    """The test fields of :func:`sp4_family` (mT, ``(F, 2)``): the family's fixed ones
    (S: SP4 fields 1 and 2; P: none), then ``n_heldout`` random fields (seed ``seed + 1``)."""
    n_heldout = check_int("n_heldout", n_heldout, minimum=0)
    fixed = np.asarray(FAMILIES[family]["test_fields_mT"], dtype=float).reshape(-1, 2)
    test_f = np.concatenate([fixed, random_fields(n_heldout, seed=seed + 1, family=family)])
    if len(test_f) == 0:
        raise ValueError(f"family {family!r} has no fixed test fields: n_heldout must be >= 1")
    return test_f


def sp4_family(
    cache_dir,
    *,
    family: str = "S",
    n_train: int = 64,
    n_heldout: int = 16,
    cells=(100, 25, 1),
    t1: float = 1e-9,
    dt_save: float = 1e-11,
    seed: int = 0,
    rtol: float = 1e-5,
    progress: bool = False,
) -> dict:
    """Train and test trajectories of one field family (``"S"`` or ``"P"``, see
    :data:`FAMILIES`), cached in ``cache_dir`` (:func:`cached_trajectories`).

    - train: ``n_train`` Sobol fields (seed ``seed``);
    - test: the family's fixed test fields (S: SP4 fields 1 and 2; P: none), then
      ``n_heldout`` random fields (seed ``seed + 1``).

    Returns ``{"family", "train_fields", "train_m", "test_fields", "test_m", "ts",
    "cache", "regenerated"}`` with fields ``(F, 2)`` in mT, m ``(F, T, 3, nx, ny)``
    float32 and ts in s.
    """
    n_train = check_int("n_train", n_train, minimum=1)
    train_f = sobol_fields(n_train, seed=seed, family=family)
    test_f = heldout_fields(family, n_heldout, seed=seed)
    # one file and one call, so the batched solver compiles once for train and test fields
    m, path, regenerated = cached_trajectories(
        cache_dir, np.concatenate([train_f, test_f]), cells=cells, t1=t1, dt_save=dt_save,
        rtol=rtol, progress=progress,
    )  # fmt: skip
    return {
        "family": family,
        "train_fields": train_f,
        "train_m": m[:n_train],
        "test_fields": test_f,
        "test_m": m[n_train:],
        "ts": np.arange(m.shape[1]) * dt_save,
        "cache": path,
        "regenerated": regenerated,
    }
