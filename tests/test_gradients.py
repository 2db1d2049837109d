"""Gradients through ``simulate``: reverse mode, forward mode and finite differences agree.

Two systems: a macrospin (one cell, uniaxial anisotropy, a constant field and a Gaussian
field pulse) and a 4 × 3 × 1 film (exchange, demag, anisotropy, field and pulse). The
loss is the time average of ``c · ⟨m⟩(t)`` over a short run. The parameters: Ms, A (film
only: a single cell has no exchange), α, Ku1, each component of the applied field, the
pulse's amplitude, centre and width, the initial state m0 (along a random tangent
direction) and a per-cell design density ρ scaling Ms (along a random direction).

Each derivative is computed three ways, once per system, and shared by the parametrised
cases: ``jax.grad`` (RecursiveCheckpointAdjoint, the default), ``jax.jacfwd`` with
``diffrax.ForwardMode()``, and a fourth-order central finite difference in float64.
Autodiff differentiates the discrete map with the step sequence frozen (diffrax stops
gradients through the step-size controller), while finite differences see the steps
move: the two differ by the order of the local error, so the runs use tight tolerances
(1e-12 for the macrospin, 1e-11 for the film; at 1e-10 the macrospin's differ by ~1e-6).
"""

import dataclasses
import functools
import time
import types

import diffrax
import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.flatten_util import ravel_pytree

import jaxmag as jm

FD_EPS = 1e-4  # relative finite-difference step
FD_RTOL = 1e-6  # reverse / forward mode against finite differences
AD_RTOL = 1e-9  # reverse mode against forward mode: the same discrete map, both exact
C = np.array([0.3, -0.5, 0.8])  # the loss is mean_t c · ⟨m⟩(t)


class GaussianPulse(eqx.Module):
    """``amp · exp(-(t - t0)² / (2 width²))``, t in s: a differentiable Zeeman ``time_fn``."""

    amp: jax.Array
    t0: jax.Array
    width: jax.Array

    def __call__(self, t):
        return self.amp * jnp.exp(-0.5 * ((t - self.t0) / self.width) ** 2)


@dataclasses.dataclass(frozen=True)
class Case:
    name: str
    cells: tuple
    cell_m: tuple
    t1: float
    exchange: bool
    demag: bool
    theta: dict  # nominal parameters (the differentiated pytree)
    tol: float  # solver rtol = atol
    max_steps: int = 4096

    @property
    def mesh(self):
        return jm.Mesh(self.cells, self.cell_m)

    @property
    def ts(self):
        return np.linspace(0.0, self.t1, 6)


ANIS_U = (0.3, 0.2, 1.0)
H_PULSE = np.array([0.0, 4e4, 1e4])  # A/m, times the pulse's time_fn


def _theta(**kw):
    theta = {
        "Ms": 8e5,
        "alpha": 0.1,
        "Ku1": 5e4,
        "H": np.array([2e4, -1e4, 5e3]),
        "pulse": GaussianPulse(1.0, 20e-12, 8e-12),
        **kw,
    }
    return jax.tree.map(lambda x: jnp.asarray(x, dtype=float), theta)


CASES = {
    "macrospin": Case(
        "macrospin", (1, 1, 1), (5e-9, 5e-9, 5e-9), 60e-12, False, False, _theta(), 1e-12
    ),
    "film": Case(
        "film", (4, 3, 1), (5e-9, 5e-9, 3e-9), 40e-12, True, True, _theta(A=1.3e-11), 1e-11
    ),
}


def run(case, theta, m0, rho, ts, adjoint=None, max_steps=None):
    """The trajectory of the system built from ``theta`` and the density ``rho``."""
    mesh = case.mesh
    mat = jm.Material(
        Ms=rho * theta["Ms"],
        A=theta.get("A", 0.0),
        alpha=theta["alpha"],
        Ku1=theta["Ku1"],
        anis_u=ANIS_U,
    )
    pulse = jm.Zeeman(mesh, mat, H_PULSE, time_fn=theta["pulse"])
    system = jm.make_system(
        mesh,
        mat,
        H=theta["H"],
        exchange=case.exchange,
        demag=case.demag,
        extra_terms=(pulse,),
    )
    return jm.simulate(
        system,
        m0,
        ts[-1],
        ts=ts,
        rtol=case.tol,
        atol=case.tol,
        max_steps=case.max_steps if max_steps is None else max_steps,
        save_energies=False,
        adjoint=adjoint,
    )


def loss(case, theta, m0, rho, ts, adjoint=None, max_steps=None):
    """mean_t c · ⟨m⟩(t)."""
    return jnp.mean(run(case, theta, m0, rho, ts, adjoint, max_steps).m_avg @ C)


def start(case, seed=0):
    """A tilted, non-uniform m0 (unit vectors), a random unit tangent field v, a density
    ρ in [0.4, 1] and a random direction d for it."""
    rng = np.random.default_rng(seed)
    shape = case.cells
    m0 = np.array([1.0, 0.6, 0.3]).reshape(3, 1, 1, 1) + 0.3 * rng.normal(size=(3, *shape))
    m0 /= np.linalg.norm(m0, axis=0)
    v = rng.normal(size=(3, *shape))
    v -= np.sum(v * m0, axis=0) * m0
    v /= np.linalg.norm(v, axis=0)
    rho = rng.uniform(0.4, 1.0, size=shape)
    d = rng.uniform(-1.0, 1.0, size=shape)
    return jnp.asarray(m0), jnp.asarray(v), jnp.asarray(rho), jnp.asarray(d)


def param_names(theta):
    """Names of the entries of the flat vector ``(theta, s_m0, s_rho)``, in ravel order."""
    names = []
    for path, leaf in jax.tree_util.tree_flatten_with_path(theta)[0]:
        key = ".".join(str(getattr(p, "key", getattr(p, "name", ""))) for p in path)
        size = int(np.size(leaf))
        names += [key] if size == 1 else [f"{key}[{i}]" for i in range(size)]
    return [*names, "m0", "rho"]


PARAMS = {name: param_names(case.theta) for name, case in CASES.items()}


def flatten(theta):
    """The flat vector ``x = (theta, s_m0 = 0, s_rho = 0)``."""
    return ravel_pytree((theta, jnp.zeros(()), jnp.zeros(())))[0]


@functools.cache
def compiled(name: str):
    """The compiled derivatives of one case, shared by the tests. ``x`` is the flat vector
    ``(theta, s_m0, s_rho)``: the run starts from m0 + s_m0 v with density ρ + s_rho d."""
    case = CASES[name]
    unravel = ravel_pytree((case.theta, jnp.zeros(()), jnp.zeros(())))[1]

    def flat_run(x, m0, v, rho, d, ts, adjoint=None):
        theta, sm, sr = unravel(x)
        return run(case, theta, m0 + sm * v, rho + sr * d, ts, adjoint)

    def value_and_steps(x, *args):
        traj = flat_run(x, *args)
        return jnp.mean(traj.m_avg @ C), traj.stats["num_steps"]

    def forward_loss(x, *args):
        return jnp.mean(flat_run(x, *args, adjoint=diffrax.ForwardMode()).m_avg @ C)

    def grad(adjoint=None):
        """Reverse mode, with respect to theta and the whole arrays m0 and ρ."""
        return eqx.filter_jit(
            jax.grad(lambda th, m, r, ts: loss(case, th, m, r, ts, adjoint), argnums=(0, 1, 2))
        )

    return types.SimpleNamespace(
        grad=grad,
        reverse=grad(),
        forward=eqx.filter_jit(jax.jacfwd(forward_loss)),
        batch=eqx.filter_jit(jax.vmap(value_and_steps, in_axes=(0, *[None] * 5))),
    )


class Derivatives:
    """Reverse-mode, forward-mode and finite-difference derivatives of one case's loss,
    with respect to the flat vector ``x = (theta, s_m0, s_rho)``."""

    def __init__(self, case: Case, eps: float = FD_EPS):
        self.case, self.names, self.timings = case, PARAMS[case.name], {}
        fns = compiled(case.name)
        m0, v, rho, d = start(case)
        ts = case.ts
        self.x0 = x0 = np.asarray(flatten(case.theta))
        assert len(self.names) == x0.size

        clock = time.perf_counter()
        g_theta, g_m0, g_rho = fns.reverse(case.theta, m0, rho, ts)
        # the full-array gradients, projected on the directions
        g = (g_theta, jnp.sum(g_m0 * v), jnp.sum(g_rho * d))
        self.reverse = np.asarray(ravel_pytree(g)[0])
        self.timings["reverse"] = -clock + (clock := time.perf_counter())
        self.forward = np.asarray(fns.forward(x0, m0, v, rho, d, ts))
        self.timings["forward"] = -clock + (clock := time.perf_counter())

        # Step per entry: eps relative to the parameter (to |H| for field components, to
        # 1 for the coordinates along the directions of m0 and ρ, O(1) per cell).
        scale = np.abs(x0)
        for i, n in enumerate(self.names):
            if n.startswith("H["):
                scale[i] = float(np.linalg.norm(case.theta["H"]))
            elif n in ("m0", "rho"):
                scale[i] = 1.0
        self.scale, self.step = scale, eps * scale
        h = self.step
        # All the runs in one batch: x0, then x0 + k h_i e_i for k = 1, -1, 2, -2.
        dx = np.concatenate([np.zeros((1, h.size)), *(k * np.diag(h) for k in (1, -1, 2, -2))])
        values, steps = fns.batch(x0 + dx, m0, v, rho, d, ts)
        values = np.asarray(values)
        self.value, self.steps = float(values[0]), int(steps[0])
        fp1, fm1, fp2, fm2 = values[1:].reshape(4, h.size)
        self.fd2 = (fp1 - fm1) / (2 * h)
        self.fd = (8 * (fp1 - fm1) - (fp2 - fm2)) / (12 * h)  # fourth order: O(h^4)
        self.timings["fd"] = -clock + (clock := time.perf_counter())

    def index(self, name):
        return self.names.index(name)


@functools.cache
def derivatives(case_name) -> Derivatives:
    return Derivatives(CASES[case_name])


SLOW_CASES = {"film"}
"""The film's derivatives (demag and exchange; ~60 s to compile and run) are CI's slow
set; the macrospin's cover the same code path (reverse, forward and finite differences
through ``simulate``) in the fast suite, with exchange and demag gradients checked fast by
``test_implicit.py::test_film_gradient_matches_finite_differences`` and
``test_pbc.py::test_vmap_and_grad_through_a_periodic_system``."""


def _marks(case):
    return [pytest.mark.slow] if case in SLOW_CASES else []


CASE_PARAMS = [pytest.param(c, p, marks=_marks(c), id=f"{c}-{p}") for c in CASES for p in PARAMS[c]]


def _rel(a, b):
    return abs(a - b) / abs(b)


@pytest.mark.parametrize(("case", "param"), CASE_PARAMS)
def test_reverse_mode_matches_finite_differences(case, param):
    r = derivatives(case)
    i = r.index(param)
    # a derivative that matters: a relative change of the parameter (or a unit step along
    # the direction) changes the loss by a fair fraction of itself
    assert abs(r.fd[i] * r.scale[i]) > 1e-4 * abs(r.value), (param, r.fd[i])
    assert _rel(r.reverse[i], r.fd[i]) < FD_RTOL, (param, r.reverse[i], r.fd[i])


@pytest.mark.parametrize(("case", "param"), CASE_PARAMS)
def test_forward_mode_matches_finite_differences(case, param):
    r = derivatives(case)
    i = r.index(param)
    assert _rel(r.forward[i], r.fd[i]) < FD_RTOL, (param, r.forward[i], r.fd[i])


@pytest.mark.parametrize("case", [pytest.param(c, marks=_marks(c)) for c in CASES])
def test_reverse_mode_matches_forward_mode(case):
    """The same discrete map, differentiated exactly both ways: equal to round-off."""
    r = derivatives(case)
    np.testing.assert_allclose(r.reverse, r.forward, rtol=AD_RTOL, atol=0)


# --- failures are raised, not turned into silent gradients -------------------------------

MACRO = CASES["macrospin"]


def failing_inputs():
    """The macrospin in a field 10⁶ times stronger (2e10 A/m): the precession, 10⁶ times
    faster, needs ~10⁵ steps over the run, far beyond its max_steps (4096)."""
    theta = dict(MACRO.theta, H=MACRO.theta["H"] * 1e6)
    return theta, *start(MACRO), MACRO.ts


def test_failed_run_raises_under_grad():
    """Under ``eqx.filter_jit(jax.grad(...))``: the function that gives the gradients
    above raises ``equinox.EquinoxRuntimeError`` rather than returning (zero) gradients."""
    theta, m0, _, rho, _, ts = failing_inputs()
    with pytest.raises(eqx.EquinoxRuntimeError, match="LLG integration failed"):
        jax.block_until_ready(compiled("macrospin").reverse(theta, m0, rho, ts))


def test_failed_run_raises_under_jacfwd():
    theta, *args = failing_inputs()
    with pytest.raises(eqx.EquinoxRuntimeError, match="LLG integration failed"):
        jax.block_until_ready(compiled("macrospin").forward(flatten(theta), *args))


def test_failed_run_raises_under_eager_grad():
    """Outside jit, simulate sees the failure as a concrete value: a plain RuntimeError
    naming the cause."""
    theta, m0, _, rho, _, ts = failing_inputs()
    with pytest.raises(RuntimeError, match="maximum number of steps") as err:
        jax.grad(lambda th: loss(MACRO, th, m0, rho, ts, max_steps=16))(theta)
    assert type(err.value) is jm.dynamics.IntegrationError  # jaxmag's, not equinox's
    assert err.value.trajectory is None and err.value.t_reached > 0  # traced: time only


@pytest.mark.slow
def test_failed_run_raises_under_jax_jit_grad():
    """Under ``jax.jit`` the callback's error surfaces as ``JaxRuntimeError`` when the
    call runs synchronously, or as ``ValueError`` at ``block_until_ready`` when it runs
    asynchronously (``eqx.filter_jit`` blocks, and always raises the error above)."""
    theta, m0, _, rho, _, ts = failing_inputs()
    f = jax.jit(jax.grad(lambda th, m, r, ts: loss(MACRO, th, m, r, ts)))
    with pytest.raises((jax.errors.JaxRuntimeError, ValueError), match="LLG integration failed"):
        jax.block_until_ready(f(theta, m0, rho, ts))


# --- memory: checkpointing changes the cost, not the gradient ----------------------------


@pytest.mark.slow  # heavy; the fast suite's 10-minute budget
def test_checkpoints_give_the_same_gradient():
    fns = compiled("macrospin")
    m0, _, rho, _ = start(MACRO)
    args = (MACRO.theta, m0, rho, MACRO.ts)
    few = fns.grad(diffrax.RecursiveCheckpointAdjoint(checkpoints=4))(*args)
    ref = fns.reverse(*args)
    # the run takes far more steps than 4 checkpoints hold: steps are recomputed
    assert derivatives("macrospin").steps > 40
    for a, b in zip(jax.tree.leaves(few), jax.tree.leaves(ref), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=0)
