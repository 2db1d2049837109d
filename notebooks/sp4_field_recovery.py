# %% [markdown]
# # Recovering the field of µMAG standard problem 4 from ⟨m⟩(t)
#
# An inverse problem: we are shown the switching of the SP4 permalloy film, ⟨m⟩(t) over
# the first 0.3 ns, and asked which in-plane field (Bx, By) drove it. The "data" here
# is jaxmag's own run at SP4's field 1, (−24.6, 4.3) mT; the fit starts from
# (−20, 0) mT and minimises Σ_k |⟨m⟩_sim(t_k) − ⟨m⟩_data(t_k)|² with optimistix's
# Levenberg–Marquardt.
#
# With only two parameters the Jacobian of the residuals (183 × 2 at full size) is best
# taken in forward mode: one pass of the LLG solve carrying two tangents, through
# diffrax's `ForwardMode`. Set `JAXMAG_NOTEBOOK_SMALL=1` for the fast version that CI
# executes (50 × 13 × 1 cells, 0.15 ns of data).

# %%
import os

import jax

jax.config.update("jax_enable_x64", True)
import diffrax
import equinox as eqx
import jax.numpy as jnp
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import optimistix as optx

import jaxmag as jm
from jaxmag.fitting import dense_jacobian_jvp
from jaxmag.problems import sp4

small = os.environ.get("JAXMAG_NOTEBOOK_SMALL") == "1"
cells = (50, 13, 1) if small else (100, 25, 1)
t1 = 1.5e-10 if small else 3e-10
ts = np.arange(int(round(t1 / 5e-12)) + 1) * 5e-12  # a sample every 5 ps
truth, start = jnp.array([-24.6, 4.3]), jnp.array([-20.0, 0.0])  # mT

# %% [markdown]
# Relax the s-state once in zero field; every simulation below starts from it.

# %%
mesh, mat = sp4.mesh(cells), sp4.material()
relaxed = jm.minimize(sp4.system(cells), sp4.initial_state(cells))
print(f"relaxed in {int(relaxed.iterations)} BB iterations")

# %% [markdown]
# The forward model builds the system inside the function from the traced field, so
# that JAX can differentiate through it. The initial state is an argument rather than a
# closure constant.


# %%
def m_avg(b_mT, m0, adjoint=None):
    H = jnp.stack([b_mT[0], b_mT[1], 0.0 * b_mT[0]]) * 1e-3 / jm.constants.MU0
    system = jm.make_system(mesh, mat, H=H)
    return jm.simulate(system, m0, ts[-1], ts=ts, save_energies=False, adjoint=adjoint).m_avg


simulate = eqx.filter_jit(m_avg)
data = simulate(truth, relaxed.m)

# %% [markdown]
# The residuals, wrapped by `jaxmag.fitting.dense_jacobian_jvp`. optimistix linearises
# its function with `jax.linearize`, and JAX keeps no intermediate values from a while loop, so each
# product with that linearisation would re-run the whole solve. Instead, the JVP rule
# builds the full Jacobian once in forward mode, and the linearisation becomes a
# product with that stored 2-column matrix.


# %%
def _residuals(b_mT, m0, data):
    return (m_avg(b_mT, m0, diffrax.ForwardMode()) - data).ravel()


residuals = dense_jacobian_jvp(_residuals)


def fn(b_mT, args):
    return residuals(b_mT, *args), None


# %% [markdown]
# Step the Levenberg–Marquardt solver by hand (`init` / `step` / `terminate`) to watch
# it: each step evaluates the residuals and the Jacobian at a trial point, and accepts
# it or shrinks the trust region.

# %%
solver = optx.LevenbergMarquardt(rtol=1e-8, atol=1e-8)
args, options, tags = (relaxed.m, data), {}, frozenset()
f_struct, aux_struct = eqx.filter_eval_shape(fn, start, args)
state = solver.init(fn, start, args, options, f_struct, aux_struct, tags)


@eqx.filter_jit
def step(y, state, args):
    y, state, _ = solver.step(fn, y, args, options, state, tags)
    done, result = solver.terminate(fn, y, args, options, state, tags)
    return y, state, done, result, 0.5 * jnp.sum(state.f_info.residual**2)


y, path, losses = start, [np.asarray(start)], []
for it in range(50):
    y, state, done, result, loss = step(y, state, args)
    path.append(np.asarray(y))
    losses.append(float(loss))
    print(f"step {it:2d}  ½Σr² = {losses[-1]:.3e}  B = {np.round(np.asarray(y), 6)} mT")
    if done:
        break
path = np.array(path)
error = float(jnp.linalg.norm(y - truth))
ok = bool(done) and bool(result == optx.RESULTS.successful)
print(f"recovered ({float(y[0]):.6f}, {float(y[1]):.6f}) mT, error {error:.2e} mT, converged {ok}")

# %% [markdown]
# The data, the start and the fit, and the path of the fit in the (Bx, By) plane.

# %%
m_start, m_fit = simulate(start, relaxed.m), simulate(y, relaxed.m)
fig, (ax0, ax1, ax2) = plt.subplots(1, 3, figsize=(15, 4.2))
for i, (k, c) in enumerate(zip("xyz", ("tab:blue", "tab:orange", "tab:green"), strict=True)):
    ax0.plot(ts * 1e9, data[:, i], "o", color=c, ms=3, label=f"⟨m{k}⟩ data")
    ax0.plot(ts * 1e9, m_fit[:, i], "-", color=c, lw=1.2, label=f"⟨m{k}⟩ fit")
    ax0.plot(ts * 1e9, m_start[:, i], ":", color=c, lw=1.2)
ax0.set(xlabel="t (ns)", ylabel="⟨m⟩", title="data (dots), start (dotted), fit (lines)")
ax0.legend(fontsize=7, ncol=3)
ax1.plot(path[:, 0], path[:, 1], "k.-")
ax1.plot(*np.asarray(truth), "r*", ms=14, label="truth")
ax1.set(xlabel="Bx (mT)", ylabel="By (mT)", title="Levenberg–Marquardt path")
ax1.legend()
ax2.semilogy(losses, "k.-")
ax2.set(xlabel="step", ylabel="½ Σ r²", title="loss at the accepted point")
fig.tight_layout()
fig.savefig("sp4_field_recovery.png", dpi=110)
print("wrote sp4_field_recovery.png")
