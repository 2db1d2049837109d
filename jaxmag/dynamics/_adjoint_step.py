"""One explicit Runge–Kutta step with a hand-written reverse-mode derivative.

Reverse mode through diffrax's Runge–Kutta step (``RecursiveCheckpointAdjoint``) pays
three forward evaluations of the vector field per stage: the run itself, the outer
checkpointing's recomputation of the step, and the stage loop's own checkpointed
recomputation inside it (plus the cotangents of its whole stage buffer at every stage).
Here the step is one ``custom_vjp``: its forward rule takes each stage with ``jax.vjp``
and keeps the residuals, and its backward rule is the discrete adjoint of the step
(stages in reverse, one vector-field VJP each). The derivative is the exact derivative
of the same discrete map, so gradients agree with diffrax's to round-off; a step's
forward evaluations in a gradient computation drop from three to two.

The step reproduces diffrax's ``AbstractRungeKutta.step`` for an explicit tableau on an
ODE term: the same stages ``k_i = f(t0 + c_i h, y0 + Σ a_ij k_j) · h``, solution,
error estimate, dense information ``dict(y0, y1, k)`` and first-same-as-last state.
"""

import diffrax
import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from jaxmag._validate import is_concrete

RTOL_MIN: float = 1e-9
"""The hand-written adjoint is used at ``rtol >= RTOL_MIN`` (float64) only. Reverse mode
recomputes each step in the backward pass; the recomputation here (unrolled stages)
rounds differently from diffrax's forward step (a stage loop), so where the error
estimate is at round-off level the step-size controller can decide differently in the
two, and the step would be differentiated as rejected although it was accepted. On a
macrospin at rtol = 1e-12 that moved gradients by 3e-7 relative; at 1e-10 and 1e-8 they
agreed with diffrax's to 1e-15."""


def use_adjoint_step(adjoint, solver, rtol, dtype) -> bool:
    """Whether :func:`jaxmag.simulate` takes its steps with :func:`rk_step`: reverse mode
    by ``RecursiveCheckpointAdjoint``, an explicit tableau (:func:`supports`), float64,
    and ``rtol`` at least :data:`RTOL_MIN` (or traced)."""
    return (
        isinstance(adjoint, diffrax.RecursiveCheckpointAdjoint)
        and supports(solver)
        and jnp.dtype(dtype) == jnp.float64
        and (not is_concrete(rtol) or float(rtol) >= RTOL_MIN)
    )


def supports(solver) -> bool:
    """Whether :func:`rk_step` can take the steps of ``solver``: an explicit diffrax
    Runge–Kutta method with one Butcher tableau."""
    tab = getattr(solver, "tableau", None)
    return (
        isinstance(solver, diffrax.AbstractRungeKutta)
        and isinstance(tab, diffrax.ButcherTableau)
        and not tab.implicit
    )


def _zeros_like(x):
    return jax.tree.map(jnp.zeros_like, x)


def _dense_leaf(c, like):
    return jnp.zeros_like(like) if c is None else c


def _add(a, b):
    return jax.tree.map(jnp.add, a, b)


def _combine(y0, coeffs, ks):
    """``y0 + Σ coeffs[j] ks[j]`` over the non-zero coefficients."""
    out = y0
    for c, k in zip(coeffs, ks, strict=True):
        if c != 0:
            out = jax.tree.map(lambda o, kk, c=c: o + c * kk, out, k)
    return out


def _nodes(tab) -> np.ndarray:
    """The stage times ``c_i`` as fractions of the step, the first stage's 0 included."""
    return np.concatenate([[0.0], tab.c])


def _stages(tab, terms, t0, t1, y0, f0, args):
    """The stages ``ks`` (vector field times control), the vector-field values ``fs``
    and each stage's VJP function (None for a first stage `f0` given, FSAL), with
    respect to the time, the state and the inexact arrays of `args` (cotangents of
    arrays nothing depends on, such as the demag kernel, are dropped by the compiler)."""
    control = terms.contr(t0, t1)
    dyn, static = eqx.partition(args, eqx.is_inexact_array)

    def vf(t, y, d):
        return terms.vf(t, y, eqx.combine(d, static))

    ks, fs, vjps = [], [], []
    for i, c_i in enumerate(_nodes(tab)):
        if i == 0 and f0 is not None:
            fi, vjp = f0, None
        else:
            yi = y0 if i == 0 else _combine(y0, tab.a_lower[i - 1], ks)
            fi, vjp = jax.vjp(vf, t0 + float(c_i) * (t1 - t0), yi, dyn)
        fs.append(fi)
        vjps.append(vjp)
        ks.append(terms.prod(fi, control))
    return ks, fs, vjps


def _outputs(tab, y0, ks):
    y1 = _combine(y0, tab.b_sol, ks)
    err = _combine(_zeros_like(y0), tab.b_error, ks)
    return y1, err


@eqx.filter_custom_vjp
def _step(diff, solver, terms):
    """``(y1, y_error, k, f_last)`` of a step from ``diff = (t0, t1, y0, f0, args)``, by
    diffrax's own step (its stage loop is faster than unrolled stages in forward runs);
    ``f0`` is the first stage's vector field (FSAL) or None (evaluated here)."""
    t0, t1, y0, f0, args = diff
    state = None if f0 is None else (jnp.asarray(False), f0)
    y1, err, dense, state, _ = solver.step(terms, t0, t1, y0, args, state, False)
    f_last = None if state is None else state[1]
    return y1, err, dense["k"], f_last


@_step.def_fwd
def _step_fwd(perturbed, diff, solver, terms):
    t0, t1, y0, f0, args = diff
    tab = solver.tableau
    ks, fs, vjps = _stages(tab, terms, t0, t1, y0, f0, args)
    y1, err = _outputs(tab, y0, ks)
    f_last = fs[-1] if f0 is not None else None
    return (y1, err, jax.tree.map(lambda *x: jnp.stack(x), *ks), f_last), (fs, vjps)


@_step.def_bwd
def _step_bwd(residuals, cts, perturbed, diff, solver, terms):
    fs, vjps = residuals
    t0, t1, y0, f0, args = diff
    tab = solver.tableau
    n = len(fs)

    def dense(c):  # a symbolic zero (None) as an array of zeros
        return _zeros_like(y0) if c is None else jax.tree.map(_dense_leaf, c, y0)

    y1_ct, err_ct, k_ct, f_last_ct = cts
    y1_ct, err_ct, f_last_ct = dense(y1_ct), dense(err_ct), dense(f_last_ct)
    if k_ct is None:
        ks_ct = [_zeros_like(y0)] * n
    else:
        ks_ct = [dense(jax.tree.map(lambda c, i=i: c[i], k_ct)) for i in range(n)]
    a = [np.zeros(n)] + [np.concatenate([r, np.zeros(n - len(r))]) for r in tab.a_lower]
    c = _nodes(tab)
    control, contr_vjp = jax.vjp(terms.contr, t0, t1)
    y_stage_ct = [None] * n  # cotangent of each stage's input y_i
    y0_ct = y1_ct
    args_ct = _zeros_like(eqx.filter(args, eqx.is_inexact_array))
    t0_ct = jnp.zeros_like(t0)
    h_ct = jnp.zeros_like(t1 - t0)
    control_ct = jnp.zeros_like(control)
    f0_ct = None
    for i in reversed(range(n)):
        # k_i feeds y1, the error estimate and the inputs of the later stages.
        kc = jax.tree.map(
            lambda k, y, e, b=float(tab.b_sol[i]), be=float(tab.b_error[i]): k + b * y + be * e,
            ks_ct[i],
            y1_ct,
            err_ct,
        )
        for j in range(i + 1, n):
            if a[j][i] != 0:
                kc = jax.tree.map(lambda k, y, w=float(a[j][i]): k + w * y, kc, y_stage_ct[j])
        # k_i = prod(f_i, control)
        _, prod_vjp = jax.vjp(terms.prod, fs[i], control)
        f_ct, c_ct = prod_vjp(kc)
        control_ct = control_ct + c_ct
        if i == n - 1 and f0 is not None:
            f_ct = _add(f_ct, f_last_ct)
        if vjps[i] is None:  # the first stage of an FSAL step: an input
            f0_ct = f_ct
            continue
        t_ct, yi_ct, a_ct = vjps[i](f_ct)
        y_stage_ct[i] = yi_ct
        y0_ct = _add(y0_ct, yi_ct)
        args_ct = _add(args_ct, a_ct)
        t0_ct = t0_ct + t_ct  # t_i = t0 + c_i (t1 - t0)
        h_ct = h_ct + float(c[i]) * t_ct
    t0_c, t1_c = contr_vjp(control_ct)

    def keep(ct, x):  # no cotangent for what is not an inexact array
        return ct if eqx.is_inexact_array(x) else None

    t0_ct, t1_ct = keep(t0_ct + t0_c - h_ct, t0), keep(t1_c + h_ct, t1)
    return t0_ct, t1_ct, y0_ct, f0_ct, args_ct


def rk_step(solver, terms, t0, t1, y0, args, solver_state, made_jump):
    """diffrax's ``solver.step`` for an explicit tableau (:func:`supports`), with the
    hand-written reverse-mode derivative of the module docstring."""
    tab = solver.tableau
    fsal = tab.fsal
    if fsal:
        first_step, f_prev = solver_state
        fresh = first_step | made_jump
        f0 = jax.lax.cond(
            eqx.internal.unvmap_any(fresh),
            lambda: jax.tree.map(
                lambda new, old: jnp.where(fresh, new, old), terms.vf(t0, y0, args), f_prev
            ),
            lambda: f_prev,
        )
    else:
        f0 = None
    y1, err, k, f_last = _step((t0, t1, y0, f0, args), solver, terms)
    dense_info = dict(y0=y0, y1=y1, k=k)
    state = (False, f_last) if fsal else None
    return y1, err, dense_info, state, diffrax.RESULTS.successful
