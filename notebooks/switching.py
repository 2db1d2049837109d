# %% [markdown]
# # Which pulses switch a single-domain particle? A DNN against RF, SVM and the physics
#
# After Miao (Chin. Phys. Lett. 36, 097501, 2019), with data from jaxmag's own batched
# macrospin solver. A particle with uniaxial anisotropy along z starts 1° from +z and
# gets a rectangular pulse h (sin ψ, 0, −cos ψ) of length τ (h in units of
# H_K = 2K/(μ0 Ms), τ in units of 1/(γ μ0 H_K): 5.7 ps at μ0 H_K = 1 T). It has switched
# when m_z < 0 at the end of the pulse. Features: h ∈ [0, 2], ψ ∈ [0°, 90°],
# α ∈ [0.005, 0.5] and τ ∈ [1, 100] (the last two log-uniform).
#
# Sections: the data and its speed; the classifiers and their ROC curves; the switching
# map in the (h, ψ) plane against the Stoner–Wohlfarth astroid; thermal noise and the
# oracle ceiling. `JAXMAG_NOTEBOOK_SMALL=1` runs a small version (CI); the full numbers
# are in `benchmarks/switching.py`.

# %%
import os
import time

import jax

jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from jaxmag import macrospin as ms
from jaxmag.models import baselines
from jaxmag.models.switching_study import DEFAULT_GRID, auc, fit_dnn, make_split, plot_roc

small = os.environ.get("JAXMAG_NOTEBOOK_SMALL") == "1"
n_train = 3000 if small else 200_000
n_grid = 40 if small else 200

# %% [markdown]
# ## Data
# Every label is one pulse simulation: 200 fixed Tsit5 steps through jaxmag's
# `ProjectedSolver`, the whole batch in one state array.

# %%
t = time.perf_counter()
split = make_split(jax.random.PRNGKey(0), n_train, n_train // 8, max(n_train // 4, 2000))
print(f"{split['sims']} simulations in {time.perf_counter() - t:.1f} s (compile included)")
print(f"switched fraction {split['y_test'].mean():.3f}")

# %% [markdown]
# ## Classifiers
# The MLP's width and depth come from a 3-fold cross-validated search; the baselines
# see the same standardised features (h, ψ, log α, log τ) and the same split.

# %%
dnn, info = fit_dnn(
    split,
    grid=[{"width": 64, "depth": 2}] if small else DEFAULT_GRID,
    key=jax.random.PRNGKey(1),
    max_epochs=30 if small else 200,
    cv_samples=1500 if small else 20000,
    cv_epochs=10 if small else 40,
)
probs = {"dnn": dnn.predict_proba(split["X_test"])}
for name, (m, _) in baselines.fit_baselines(split["X_train"], split["y_train"]).items():
    probs[name] = baselines.score(m, split["X_test"])
for name, p in probs.items():
    print(f"{name:7s} AUC {auc(split['y_test'], p):.5f}")
plot_roc("switching_roc.png", split["y_test"], probs)

# %% [markdown]
# ## The switching map against the Stoner–Wohlfarth astroid
# For long pulses and strong damping the particle switches where the static energy
# barrier vanishes: h > h_SW(ψ) = (cos^(2/3) ψ + sin^(2/3) ψ)^(−3/2). Weak damping adds
# precessional structure, because m_z at the end of the pulse depends on the phase of
# the ringing. Solver labels (colour) and the DNN's 50 % contour (white).

# %%
hh, pp = np.meshgrid(np.linspace(0, 2, n_grid), np.linspace(0, 90, n_grid))
psi = np.linspace(0.5, 89.5, 200)
h_sw = 1.0 / (np.cos(np.deg2rad(psi)) ** (2 / 3) + np.sin(np.deg2rad(psi)) ** (2 / 3)) ** 1.5
fig, axes = plt.subplots(1, 2, figsize=(11, 4.5), dpi=100)
for ax, (alpha, tau) in zip(axes, [(0.5, 100.0), (0.02, 20.0)], strict=True):
    f = {
        "h": jnp.asarray(hh.ravel()),
        "psi_deg": jnp.asarray(pp.ravel()),
        "alpha": jnp.full(hh.size, alpha),
        "tau": jnp.full(hh.size, tau),
    }
    y = np.asarray(ms.switching_labels(f)[0]).reshape(hh.shape)
    from jaxmag.models.switching import design_matrix

    p = np.asarray(dnn.predict_proba(design_matrix(f))).reshape(hh.shape)
    ax.pcolormesh(hh, pp, y, cmap="RdBu_r", shading="auto", vmin=-0.3, vmax=1.3)
    ax.contour(hh, pp, p, levels=[0.5], colors="white", linewidths=1.5)
    ax.plot(h_sw, psi, "k--", lw=2, label="Stoner–Wohlfarth astroid")
    ax.set_xlabel("h = H / H_K")
    ax.set_ylabel("ψ (deg)")
    ax.set_title(f"α = {alpha}, τ = {tau:g}: red switched")
    ax.legend(loc="upper right")
fig.tight_layout()
fig.savefig("switching_map.png")

# %% [markdown]
# ## Thermal noise
# With thermal stability Δ = KV/(k_B T), Brown's thermal field makes switching a
# probability. Every test point gets 16 independent replicas beside its own label; their
# switching fraction is the oracle, and its AUC is the ceiling any classifier can reach
# on labels this noisy. Along ψ = 30°, α = 0.1, τ = 20, the switching probability rises
# from 0 to 1 over a window that narrows as Δ grows.

# %%
h_line = np.linspace(0.3, 1.2, 30 if small else 90)
line = {
    "h": jnp.asarray(h_line),
    "psi_deg": jnp.full(h_line.size, 30.0),
    "alpha": jnp.full(h_line.size, 0.1),
    "tau": jnp.full(h_line.size, 20.0),
}
reps = 16 if small else 128
fig, ax = plt.subplots(figsize=(6, 4), dpi=100)
ax.step(h_line, np.asarray(ms.switching_labels(line)[0]), where="mid", label="no noise")
for delta in (60.0, 20.0):
    r = ms.switching_labels(line, delta=delta, key=jax.random.PRNGKey(3), replicas=reps)
    ax.plot(h_line, np.asarray(r).mean(0), "o-", ms=3, label=f"Δ = {delta:g} ({reps} runs)")
ax.set_xlabel("h")
ax.set_ylabel("switching probability")
ax.legend()
fig.tight_layout()
fig.savefig("switching_noise_line.png")

# %%
n_noise = 1000 if small else 100_000
for delta in (60.0, 20.0):
    noisy = make_split(
        jax.random.PRNGKey(int(delta)),
        n_noise,
        n_noise // 8,
        n_noise // 5 if small else 10_000,
        delta=delta,
        oracle_replicas=16,
    )
    model, _ = fit_dnn(
        noisy,
        key=jax.random.PRNGKey(5),
        grid=[info["setting"]],
        max_epochs=20 if small else 200,
    )
    oracle = auc(noisy["y_test"], noisy["p_oracle"])
    a = auc(noisy["y_test"], model.predict_proba(noisy["X_test"]))
    print(f"Δ = {delta:g}: oracle AUC {oracle:.5f}, DNN {a:.5f}, gap {oracle - a:.5f}")
