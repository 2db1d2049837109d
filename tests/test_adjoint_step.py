"""The hand-written reverse-mode step (``dynamics/_adjoint_step.py``) against JAX's own
differentiation of diffrax's step, and simulate's gradients through it against finite
differences."""

import diffrax
import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxmag as jm
from jaxmag.dynamics._adjoint_step import RTOL_MIN, rk_step, use_adjoint_step
from jaxmag.dynamics._llg import scaled_rhs
from jaxmag.dynamics._rk import RK4FSAL
from jaxmag.dynamics._solver import ProjectedSolver

SLOW = pytest.mark.slow
STEP_CASES = [  # (solver, first step): the fast suite takes simulate's two defaults
    pytest.param(RK4FSAL(), True, id="RK4FSAL-first"),
    pytest.param(RK4FSAL(), False, id="RK4FSAL"),
    pytest.param(diffrax.Dopri5(), False, id="Dopri5"),
    pytest.param(diffrax.Dopri5(), True, id="Dopri5-first", marks=SLOW),
    pytest.param(diffrax.Tsit5(), False, id="Tsit5", marks=SLOW),
    pytest.param(diffrax.Heun(), False, id="Heun", marks=SLOW),  # not FSAL
]


def _system(H=(1e4, 2e4, -3e4)):
    mesh = jm.Mesh((4, 3, 2), (2e-9, 3e-9, 2.5e-9))
    mat = jm.Material(Ms=8e5, A=1.3e-11, alpha=0.1, Ku1=3e4, anis_u=(0.0, 0.6, 0.8))
    # a time-dependent field, so that the stage times' cotangents matter (t in ps here)
    pulse = jm.Zeeman(
        mesh, mat, (0.0, 4e4, 1e4), time_fn=lambda t: jnp.exp(-0.5 * ((t - 4e-13) / 3e-13) ** 2)
    )
    return jm.make_system(mesh, mat, H=jnp.asarray(H), extra_terms=(pulse,))


def _m0(shape=(3, 4, 3, 2)):
    return jm.vectors.normalise(jax.random.normal(jax.random.PRNGKey(0), shape))


@pytest.mark.parametrize(("solver", "first"), STEP_CASES)
def test_step_vjp_equals_autodiff_of_diffrax_step(solver, first):
    """Every output (solution, error estimate, stages, FSAL value) and every input
    cotangent (times, state, first stage, all system arrays) to round-off."""
    system, m = _system(), _m0()
    terms = diffrax.ODETerm(lambda t, y, a: scaled_rhs(t, y, a))
    fsal = solver.tableau.fsal
    f0 = terms.vf(0.0, m, system)

    def run(step, t0, t1, y, args, f):
        state = (jnp.asarray(first), f) if fsal else None
        y1, err, dense, state1, _ = step(terms, t0, t1, y, args, state, jnp.asarray(False))
        return y1, err, dense["k"], (state1[1] if fsal else None)

    args = (jnp.asarray(0.3), jnp.asarray(0.5), m, system, f0)
    out_ref, vjp_ref = eqx.filter_vjp(lambda *a: run(solver.step, *a), *args)
    out, vjp = eqx.filter_vjp(lambda *a: run(lambda *b: rk_step(solver, *b), *a), *args)
    # the error estimate is a difference of stages: round-off relative to the stages
    top = max(float(jnp.max(jnp.abs(b))) for b in jax.tree.leaves(out_ref))
    for a, b in zip(jax.tree.leaves(out), jax.tree.leaves(out_ref), strict=True):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-13 * top)
    keys = jax.random.split(jax.random.PRNGKey(1), len(jax.tree.leaves(out_ref)))
    leaves, tree = jax.tree.flatten(out_ref)
    cts = jax.tree.unflatten(
        tree, [jax.random.normal(k, x.shape) for k, x in zip(keys, leaves, strict=True)]
    )
    got, ref = jax.tree.leaves(vjp(cts)), jax.tree.leaves(vjp_ref(cts))
    assert len(got) == len(ref)
    assert sum(float(jnp.max(jnp.abs(b))) > 0 for b in ref) >= 10  # a real comparison
    for a, b in zip(got, ref, strict=True):
        scale = float(jnp.max(jnp.abs(b)))  # 0: a leaf nothing depends on, exactly
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-12 * scale)


def _loss(H, adjoint_step, controller):
    system = _system(H)
    ts = jnp.linspace(0.0, 10.0, 3)  # ps
    sol = diffrax.diffeqsolve(
        diffrax.ODETerm(lambda t, y, a: scaled_rhs(t, y, a)),
        ProjectedSolver(RK4FSAL(), adjoint_step=adjoint_step),
        0.0,
        10.0,
        0.5,
        _m0(),
        args=system,
        saveat=diffrax.SaveAt(ts=ts),
        stepsize_controller=controller,
        adjoint=diffrax.RecursiveCheckpointAdjoint(),
        max_steps=4096,
    )
    return jnp.sum(jnp.mean(sol.ys, axis=(2, 3, 4)) * jnp.array([0.3, -0.5, 0.8]))


H0 = jnp.array([1e4, 2e4, -3e4])


@pytest.mark.slow
def test_solve_gradient_equals_diffrax_reverse_mode():
    """Through a whole adaptive solve (dense output, FSAL across steps): the same gradient
    as diffrax's own reverse mode."""
    pid = diffrax.PIDController(rtol=1e-7, atol=1e-7)
    g = jax.jit(jax.grad(lambda H: _loss(H, True, pid)))(H0)
    g_ref = jax.jit(jax.grad(lambda H: _loss(H, False, pid)))(H0)
    # Round-off differs between the two (their sums run in different orders), so the
    # comparison is norm-wise: a per-component rtol of 1e-12 failed once at 1.1e-12 on the
    # smallest component, 6x below the largest. A real defect is many orders above this.
    err = float(jnp.linalg.norm(g - g_ref))
    assert err <= 1e-12 * float(jnp.linalg.norm(g_ref)), (err, g, g_ref)


@pytest.mark.slow
def test_solve_gradient_matches_finite_differences():
    """With fixed steps (a smooth map of H) against fourth-order central differences."""
    fixed = diffrax.ConstantStepSize()
    loss = jax.jit(lambda H: _loss(H, True, fixed))
    g = jax.jit(jax.grad(lambda H: _loss(H, True, fixed)))(H0)
    h = 1e-4 * float(jnp.linalg.norm(H0))
    for i in range(3):
        e = jnp.zeros(3).at[i].set(h)
        f = [float(loss(H0 + k * e)) for k in (-2, -1, 1, 2)]
        fd = (8 * (f[2] - f[1]) - (f[3] - f[0])) / (12 * h)
        assert abs(float(g[i]) - fd) < 1e-6 * abs(fd), (i, float(g[i]), fd)


def test_when_simulate_uses_the_adjoint_step():
    rk = RK4FSAL()
    checkpointed = diffrax.RecursiveCheckpointAdjoint()
    assert use_adjoint_step(checkpointed, rk, 1e-5, jnp.float64)
    assert use_adjoint_step(checkpointed, diffrax.Dopri5(), RTOL_MIN, jnp.float64)
    assert use_adjoint_step(checkpointed, rk, jnp.asarray(1e-5), jnp.float64)  # traced
    # round-off-level tolerances, float32 and other adjoints: diffrax's own reverse mode
    assert not use_adjoint_step(checkpointed, rk, 1e-12, jnp.float64)
    assert not use_adjoint_step(checkpointed, rk, 1e-5, jnp.float32)
    assert not use_adjoint_step(diffrax.ForwardMode(), rk, 1e-5, jnp.float64)
    assert not use_adjoint_step(diffrax.BacksolveAdjoint(), rk, 1e-5, jnp.float64)
    assert not use_adjoint_step(checkpointed, diffrax.Kvaerno5(), 1e-5, jnp.float64)
