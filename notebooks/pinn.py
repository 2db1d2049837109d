# %% [markdown]
# # Physics-informed neural networks for the LLG equation
#
# Three cases, each against an independent reference, and a map of where PINNs fail:
#
# 1. the switching task's macrospin, one network for every (t, h, ψ, α) of a weakly
#    nonlinear domain, against a Dopri8 run at rtol 1e-12;
# 2. the 1D LLG equation with a manufactured exact solution and Neumann ends;
# 3. a static state of a small element by energy minimisation (Schaffer et al. 2023),
#    against jaxmag's finite-difference minimiser;
# 4. the failure map: unconditioned macrospin PINNs over anisotropy × field.
#
# Every PINN is a unit vector by construction (a normalised network output), and the
# initial and boundary conditions hold for any weights. Residuals use `jax.jvp`.
# `JAXMAG_NOTEBOOK_SMALL=1` runs tiny budgets (CI); `benchmarks/pinn.py` has the full
# numbers.

# %%
import os

import jax

jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from jaxmag.models.pinn import failure_map as fm
from jaxmag.models.pinn import film1d, static
from jaxmag.models.pinn import macrospin_case as mc
from jaxmag.models.pinn.residual import manufactured_solution
from jaxmag.models.pinn.train import train

small = os.environ.get("JAXMAG_NOTEBOOK_SMALL") == "1"
steps = dict(adam_steps=100, lbfgs_steps=50, chunk=50) if small else {}
net = dict(width=8, depth=2) if small else {}
key = jax.random.PRNGKey(0)

# %% [markdown]
# ## 1. Macrospin conditioned on (t, h, ψ, α)
# m(t; h, ψ, α) = normalize(m0 + (t/T) N(t, h, ψ, α)), trained on the mean squared LLG
# residual at points drawn afresh every Adam step, then refined with L-BFGS.

# %%
dom = mc.Domain(t_max=5.0, h=(0.0, 0.4), psi_deg=(0.0, 90.0), alpha=(0.05, 0.5))
model = mc.make_model(dom, key=key, **(dict(width=64, depth=4) | net))
model, hist = train(mc.loss, model, lambda k: mc.sample(dom, k, 256 if small else 2048),
                    key=key, verbose=True, label="macrospin",
                    **(steps or dict(adam_steps=20000, lbfgs_steps=10000)))  # fmt: skip
p, ts = mc.test_grid(dom, n_params=16 if small else 256)
print(mc.errors(model, dom, p, ts))

# %%
pred, ref = mc.predict(model, p[:3], ts), mc.reference(p[:3], ts)
fig, axes = plt.subplots(1, 3, figsize=(12, 3.2), sharey=True)
for i, ax in enumerate(axes):
    for c, name in enumerate("xyz"):
        ax.plot(ts, ref[i, :, c], "k", lw=2, alpha=0.4)
        ax.plot(ts, pred[i, :, c], "--", label=f"m{name} (PINN)")
    h, psi, a = (float(v) for v in p[i])
    ax.set_title(f"h = {h:.2f}, ψ = {psi:.0f}°, α = {a:.2f}")
    ax.set_xlabel("t (reduced)")
axes[0].legend(fontsize=8)
fig.tight_layout()

# %% [markdown]
# ## 2. 1D LLG with a manufactured solution
# m_e = (cos x̄ sin t, sin x̄ sin t, cos t), x̄ = x²(1−x)²; the network sees cos kπx, so
# ∂x m = 0 at both ends for any weights.

# %%
model2 = film1d.make_model(1.0, key=key, **(dict(width=32, depth=3) | net))
model2, _ = train(lambda m, b: film1d.loss(m, b, 0.1), model2,
                  lambda k: film1d.sample(k, 1024, 1.0), key=key, verbose=True, label="llg1d",
                  **(steps or dict(adam_steps=5000, lbfgs_steps=5000)))  # fmt: skip
print(film1d.errors(model2, n=41 if small else 101))

# %%
x = jnp.linspace(0, 1, 101)
fig, axes = plt.subplots(1, 3, figsize=(12, 3.2), sharey=True)
for ax, t in zip(axes, (0.25, 0.5, 1.0), strict=True):
    m = jax.vmap(lambda xx, t=t: model2(xx, t))(x)
    e = jax.vmap(lambda xx, t=t: manufactured_solution(xx, t))(x)
    for c, name in enumerate("xyz"):
        ax.plot(x, e[:, c], "k", lw=2, alpha=0.4)
        ax.plot(x, m[:, c], "--", label=f"m{name} (PINN)")
    ax.set_title(f"t = {t}")
    ax.set_xlabel("x")
axes[0].legend(fontsize=8)
fig.tight_layout()

# %% [markdown]
# ## 3. Static energy minimisation
# Exchange by autodiff of the network, anisotropy, Zeeman and FFT demag by jaxmag's terms on
# the sampling grid; the reference is `jaxmag.minimize` on the same grid.

# %%
system = static.problem((20, 10, 1) if small else static.CELLS)
model3 = static.make_model(system, key=key, **(dict(width=32, depth=3) | net))
ref3 = static.reference(system, model3.guess)
model3, _ = train(lambda m, b: static.loss(m, b, system), model3,
                  lambda k: static.sample(system.mesh, k), key=key, verbose=True, label="static",
                  **(steps or dict(adam_steps=5000, lbfgs_steps=3000)))  # fmt: skip
cmp = static.compare(model3, system, ref3)
print({k: cmp[k] for k in ("energy_fd_J", "energy_pinn_J", "energy_rel_err", "max_m_diff")})

# %%
m3 = static.sampled(model3, system.mesh)[:, :, :, 0]
fig, axes = plt.subplots(1, 2, figsize=(10, 3))
for ax, m, title in ((axes[0], m3, "PINN"), (axes[1], ref3["m"][:, :, :, 0], "FD minimiser")):
    ax.quiver(m[0].T, m[1].T, m[1].T, pivot="mid", cmap="coolwarm")
    ax.set_title(title)
    ax.set_aspect("equal")
fig.tight_layout()

# %% [markdown]
# ## 4. Failure map
# One unconditioned PINN per (k, h), the same network and budget; red cells failed
# (relative L2 error above 1e-2). Switching and fast precession are where PINNs stop.

# %%
ks, hs = ([1.0], [0.3, 2.0]) if small else ([0.5, 1.0, 2.0, 4.0], [0.1, 0.3, 1.0, 3.0])
res = fm.failure_map(ks, hs, key=key, net_kw=net or None,
                     train_kw=steps | dict(lbfgs_steps=0) if small else None)  # fmt: skip
fm.plot_failure_map("pinn_failure_map.png", res)
for r in res["rows"]:
    print(r)
