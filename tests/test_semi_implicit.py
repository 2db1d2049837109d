"""SemiImplicitBDF2: exchange implicit, the rest explicit. Its pieces (the split of the
right-hand side, the spectral preconditioner, the Richardson solve), its order, its
stability past the explicit limit, its norm, its gradients and its agreement with
RK4FSAL at tight tolerances. The heavier cases are in the slow set (CI runs them);
``benchmarks/semi_implicit.py --quick`` repeats the order, gradient and stiff checks."""

import diffrax
import jax
import jax.numpy as jnp
import lineax as lx
import numpy as np
import pytest

import jaxmag as jm
from jaxmag.dynamics import PreconditionedRichardson, SemiImplicitBDF2, solver_from_name
from jaxmag.dynamics._implicit_exchange import tangent_preconditioner
from jaxmag.dynamics._llg import TIME_UNIT, llg_rhs, split_rhs
from jaxmag.energy import Exchange

N = (24, 6, 1)
CELL = (2.5e-9, 2.5e-9, 3e-9)


def _film(cell=CELL, n=N, H=(-2e4, 4e3, 0.0)):
    mesh = jm.Mesh(n, cell)
    return jm.make_system(mesh, jm.Material(8e5, 1.3e-11, 0.02), H=H)


def _smooth_m0(n=N):
    x = np.linspace(-1, 1, n[0]).reshape(n[0], 1, 1) * np.ones(n)
    y = np.linspace(-1, 1, n[1]).reshape(1, n[1], 1) * np.ones(n)
    return np.stack([np.ones(n), 0.4 * np.sin(2 * x) + 0.2 * y, 0.1 + 0.2 * np.cos(3 * x)])


def test_split_reassembles_the_llg_rhs():
    """``L_u(u) + g(u)`` is the LLG right-hand side, with a spin torque too."""
    system = _film()
    stt = jm.torques.ZhangLi(system.mesh, system.material, J=(1e12, 0.0, 0.0), P=0.5, xi=0.1)
    system = jm.System(system.mesh, system.material, system.terms, torques=(stt,))
    m = system.check_magnetisation(_smooth_m0())
    for precession in (True, False):
        g, L = split_rhs(system, m, 0.0, (Exchange,), precession=precession)
        want = llg_rhs(system, m, 0.0, precession=precession)
        assert float(jnp.max(jnp.abs(L(m) + g - want))) < 1e-12 * float(jnp.max(jnp.abs(want)))
        # L is linear in its argument and carries only the exchange torque
        v = jnp.asarray(np.random.default_rng(0).normal(size=m.shape))
        scale = float(jnp.max(jnp.abs(L(v))))
        assert float(jnp.max(jnp.abs(L(2 * v + m) - 2 * L(v) - L(m)))) < 1e-12 * scale
        assert float(jnp.max(jnp.abs(L(jnp.ones_like(m))))) < 1e-12 * scale  # uniform v


@pytest.mark.parametrize("pbc", [(0, 0, 0), (1, 0, 0)])
@pytest.mark.parametrize("precession", [True, False])
def test_preconditioner_inverts_the_system_of_a_uniform_state(pbc, precession):
    """For uniform û on a full box of uniform material the preconditioner is the exact
    inverse of β − h L_û (free and periodic axes)."""
    mesh = jm.Mesh((12, 6, 3), (2e-9, 2.5e-9, 3e-9), pbc=pbc)
    system = jm.make_system(mesh, jm.Material(8e5, 1.3e-11, 0.05), demag=False)
    u = jnp.asarray(np.array([0.6, -0.48, 0.64]).reshape(3, 1, 1, 1) * np.ones((3, *mesh.n)))
    beta, h = 1.4, 3.0  # h in ps: |h λ| up to ~40 on the stiffest mode
    _, L = split_rhs(system, u, 0.0, (Exchange,), precession=precession)
    P = tangent_preconditioner(system, u, beta, h, precession=precession)
    r = jnp.asarray(np.random.default_rng(1).normal(size=u.shape))
    Ar = beta * P.mv(r) - h * TIME_UNIT * L(P.mv(r))
    # exact up to the float32 of its transforms (an approximation would be ~1e-2 off)
    assert float(jnp.max(jnp.abs(Ar - r))) < 1e-6 * float(jnp.max(jnp.abs(r)))


def test_richardson_solves_and_differentiates_like_lu():
    rng = np.random.default_rng(2)
    n = 12
    M = jnp.asarray(np.eye(n) + 0.2 * rng.normal(size=(n, n)) / np.sqrt(n))
    b = jnp.asarray(rng.normal(size=n))
    P = lx.MatrixLinearOperator(jnp.asarray(np.linalg.inv(np.asarray(M) + 0.01 * np.eye(n))))
    rich = PreconditionedRichardson(rtol=1e-14, atol=0.0, max_steps=50)

    def solve(M, b, solver, options):
        return lx.linear_solve(lx.MatrixLinearOperator(M), b, solver, options=options).value

    x = solve(M, b, rich, {"preconditioner": P})
    np.testing.assert_allclose(x, np.linalg.solve(M, b), rtol=1e-12)

    def loss(M, b, solver, options):
        return jnp.sum(jnp.sin(solve(M, b, solver, options)))

    gM, gb = jax.grad(loss, argnums=(0, 1))(M, b, rich, {"preconditioner": P})
    wM, wb = jax.grad(loss, argnums=(0, 1))(M, b, lx.LU(), {})
    np.testing.assert_allclose(gM, wM, rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(gb, wb, rtol=1e-10, atol=1e-13)
    # a preconditioner that makes the iteration diverge: a failure, not a wrong answer
    bad = lx.linear_solve(
        lx.MatrixLinearOperator(M),
        b,
        rich,
        options={"preconditioner": lx.MatrixLinearOperator(3.0 * jnp.eye(n))},
        throw=False,
    )
    assert bad.result != lx.RESULTS.successful


def _reference(system, m0, t1):
    return jm.simulate(
        system, m0, t1, save_every=t1, solver=diffrax.Dopri5(), rtol=1e-12, atol=1e-12
    ).m_final


def test_second_order_at_fixed_steps():
    """On a smooth film whose modes the steps resolve (10 nm cells: the stiffest exchange
    mode has h|λ| < 0.3) the error of the final state falls as dt²: slope 2 ± 0.2."""
    system = _film(cell=(10e-9, 10e-9, 3e-9))
    m0 = system.check_magnetisation(_smooth_m0())
    t1 = 16e-12
    ref = _reference(system, m0, t1)
    solver = SemiImplicitBDF2(linear_rtol=1e-13, linear_atol=0.0)
    dts = np.array([0.5, 0.25, 0.125, 0.0625]) * 1e-12
    errs = []
    for dt in dts:
        m = jm.simulate_fixed(system, m0, dt, int(round(t1 / dt)), solver=solver).m_final
        errs.append(float(jnp.max(jnp.abs(m - ref))))
    slope = np.polyfit(np.log(dts), np.log(errs), 1)[0]
    assert 1.8 <= slope <= 2.2, (errs, slope)


@pytest.mark.slow
def test_stable_far_past_the_explicit_limit():
    """1 nm cells: the stiffest exchange mode (|λ| = 4.6e13 /s) limits RK4 to ~0.06 ps.
    At 1 ps fixed RK4 is unstable (projected back onto the sphere, its state is noise);
    the semi-implicit step stays near the reference (its error is the slow dynamics'
    own, second order)."""
    n = (32, 8, 1)
    system = _film(cell=(1e-9, 1e-9, 3e-9), n=n)
    m0 = system.check_magnetisation(_smooth_m0(n))
    t1, dt = 20e-12, 1e-12
    ref = jm.simulate(
        system, m0, t1, save_every=t1, solver=diffrax.Dopri5(), rtol=1e-12, atol=1e-12
    )
    rk = jm.simulate_fixed(system, m0, dt, 20, solver=jm.RK4FSAL())
    assert float(jnp.max(jnp.abs(rk.m_avg[-1] - ref.m_avg[-1]))) > 0.1
    out = jm.simulate_fixed(system, m0, dt, 20, solver=SemiImplicitBDF2())
    assert float(out.max_norm_dev) < 1e-14
    # ⟨m⟩: the slow dynamics (measured 3.9e-3, and 8e-5 at 0.125 ps); single cells
    # also carry the reference's ringing stiff modes, which the scheme damps
    assert float(jnp.max(jnp.abs(out.m_avg[-1] - ref.m_avg[-1]))) < 6e-3


@pytest.mark.slow
def test_adaptive_run_matches_rk4fsal_at_tight_tolerance():
    """From a relaxed state in a field: the converged trajectories agree, and at the
    default tolerance the semi-implicit steps are longer than RK4FSAL's, which are held
    by the exchange modes' stability (from an unrelaxed, rough state it is the other way
    round: the modes it excites must be resolved, and RK4 resolves them in fewer steps)."""
    system = _film()
    relaxed = jm.minimise(jm.make_system(system.mesh, system.material), _smooth_m0()).m
    t1 = 50e-12
    kw = dict(save_every=5e-12, save_energies=False)
    si = jm.simulate(system, relaxed, t1, solver=SemiImplicitBDF2(), rtol=1e-8, atol=1e-8, **kw)
    rk = jm.simulate(system, relaxed, t1, solver=jm.RK4FSAL(), rtol=1e-9, atol=1e-9, **kw)
    assert float(jnp.max(jnp.abs(si.m_avg - rk.m_avg))) < 1e-6
    assert float(si.max_norm_dev) < 1e-14
    si5 = jm.simulate(system, relaxed, t1, solver=SemiImplicitBDF2(), **kw)
    rk5 = jm.simulate(system, relaxed, t1, solver=jm.RK4FSAL(), **kw)
    assert 2 * int(si5.stats["num_steps"]) < int(rk5.stats["num_steps"])
    assert float(jnp.max(jnp.abs(si5.m_avg - rk.m_avg))) < 2e-4


@pytest.mark.slow
def test_gradient_matches_finite_differences():
    """Reverse mode through fixed semi-implicit steps (lineax's adjoint of the exchange
    solves) against central differences of the applied field, to 1e-6 relative."""
    mesh = jm.Mesh((12, 4, 1), CELL)
    mat = jm.Material(8e5, 1.3e-11, 0.02)
    solver = SemiImplicitBDF2(linear_rtol=1e-14, linear_atol=0.0, max_linear_steps=60)
    m0 = jm.make_system(mesh, mat).check_magnetisation(_smooth_m0((12, 4, 1)))

    def loss(hx):
        system = jm.make_system(mesh, mat, H=jnp.stack([hx, 4e3, 0.0]))
        out = jm.simulate_fixed(system, m0, 0.5e-12, 20, solver=solver)
        return out.m_final[1].mean() + 0.3 * out.m_final[2].mean()

    hx = jnp.asarray(-2e4)
    g = float(jax.grad(loss)(hx))
    eps = 5.0
    fd = (float(loss(hx + eps)) - float(loss(hx - eps))) / (2 * eps)
    assert g != 0.0
    assert abs(g - fd) <= 1e-6 * abs(fd)


def test_solver_names_and_bad_terms():
    for name in jm.dynamics.SOLVER_NAMES:
        assert isinstance(solver_from_name(name), diffrax.AbstractSolver)
    assert isinstance(solver_from_name("semi-implicit"), SemiImplicitBDF2)
    with pytest.raises(ValueError, match="unknown solver"):
        solver_from_name("rk45")
    system = _film()
    term = diffrax.ODETerm(lambda t, y, args: y)
    with pytest.raises(TypeError, match="LLG equation only"):
        SemiImplicitBDF2().init(term, 0.0, 1.0, jnp.zeros((3, *N)), system)


@pytest.mark.slow
def test_fixed_steps_vmap_over_fields():
    """The fixed-step variant batches: a vmap over two applied fields equals two runs."""
    mesh = jm.Mesh((12, 4, 1), CELL)
    mat = jm.Material(8e5, 1.3e-11, 0.02)
    m0 = jm.make_system(mesh, mat).check_magnetisation(_smooth_m0((12, 4, 1)))

    def final(hx):
        system = jm.make_system(mesh, mat, H=jnp.stack([hx, 4e3, 0.0]))
        return jm.simulate_fixed(system, m0, 0.5e-12, 10, solver=SemiImplicitBDF2()).m_final

    hs = jnp.asarray([-2e4, 1e4])
    batched = jax.vmap(final)(hs)
    for i, hx in enumerate(hs):
        np.testing.assert_allclose(batched[i], final(hx), atol=1e-12)


@pytest.mark.slow
def test_checkpointed_run_equals_simulate(tmp_path):
    """Segments carry the solver's history (the last two states and steps) across; the
    steps differ at the segment ends, so the runs agree to the tolerance (1e-5)."""
    system = _film()
    relaxed = jm.minimise(jm.make_system(system.mesh, system.material), _smooth_m0()).m
    kw = dict(solver=SemiImplicitBDF2(), save_every=5e-12)
    one = jm.simulate(system, relaxed, 40e-12, **kw)
    seg = jm.simulate_checkpointed(
        system, relaxed, 40e-12, checkpoint_dir=tmp_path, checkpoint_every=20e-12, **kw
    )
    np.testing.assert_allclose(seg.m_avg, one.m_avg, atol=3e-5)
    assert not np.allclose(seg.m_avg[-1], seg.m_avg[0], atol=1e-3)  # the state did evolve


@pytest.mark.slow
def test_dmi_can_be_implicit_too():
    """``implicit=(Exchange, InterfacialDMI)``: the DMI field is linear in m, so it can
    join the implicit part; the converged run is the same."""
    from jaxmag.energy import InterfacialDMI

    mesh, mat = jm.Mesh(N, CELL), jm.Material(8e5, 1.3e-11, 0.02)

    def system(H):
        return jm.make_system(mesh, mat, H=H, extra_terms=(InterfacialDMI(mesh, mat, 1e-3),))

    relaxed = jm.minimise(system((-2e4, 4e3, 0.0)), _smooth_m0()).m
    film = system((-3e4, -4e3, 0.0))
    kw = dict(save_every=5e-12, save_energies=False, rtol=1e-8, atol=1e-8)
    solver = SemiImplicitBDF2(implicit=(Exchange, InterfacialDMI))
    si = jm.simulate(film, relaxed, 50e-12, solver=solver, **kw)
    rk = jm.simulate(film, relaxed, 50e-12, solver=jm.RK4FSAL(), **dict(kw, rtol=1e-9, atol=1e-9))
    assert float(jnp.max(jnp.abs(si.m_avg - rk.m_avg))) < 1e-6
