# %% [markdown]
# # Latent-space time steppers for µMAG standard problem 4
#
# Exl et al. (CNSNS 2020; J. Comput. Phys. 2021) learned the dynamics of thin films in a
# kernel-PCA latent space and stepped it with kernel ridge regression; Schaffer et al.
# (arXiv 2103.09079) compared that with a neural autoencoder. Here both are trained on
# trajectories from jaxmag's own solver: the SP4 film from its relaxed s-state in
# in-plane fields of 15–45 mT at 160°–200°, and asked to predict fields 1 and 2 from the
# first snapshot and the field alone. `JAXMAG_NOTEBOOK_SMALL=1` runs a tiny version;
# `benchmarks/latent_sp4.py` has the full figures.

# %%
import os

import jax

jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from jaxmag.models import kernel_stepper as ks
from jaxmag.models import latent_data, neural_stepper

small = os.environ.get("JAXMAG_NOTEBOOK_SMALL") == "1"
cells, t1 = ((20, 5, 1), 1e-10) if small else ((100, 25, 1), 1e-9)
n_train = 8 if small else 64
d, landmarks = (2, 60) if small else (8, 1000)

# %% [markdown]
# ## Data (cached on disk with every generating parameter)

# %%
data = latent_data.sp4_family(
    "latent_cache",
    n_train=n_train,
    n_heldout=2 if small else 16,
    cells=cells,
    t1=t1,
    progress=True,
)
ts_ns = data["ts"] * 1e9
train_m, train_f = jnp.asarray(data["train_m"], float), jnp.asarray(data["train_fields"])
test_m, test_f = jnp.asarray(data["test_m"], float), jnp.asarray(data["test_fields"])
print(train_m.shape, test_m.shape)

# %% [markdown]
# ## The kernel stepper and the neural stepper

# %%
key = jax.random.PRNGKey(0)
kmodel = ks.fit_kernel_stepper(train_m, train_f, d=d, n_landmarks=landmarks, key=key)
nmodel, _ = neural_stepper.train_neural_stepper(
    data["train_m"],
    data["train_fields"],
    d=d,
    key=key,
    epochs=1000,
    max_seconds=2.0 if small else 600.0,
)
kerr = ks.rollout_errors(kmodel, test_m[:2], test_f[:2])
nerr = ks.rollout_errors(nmodel, jnp.asarray(data["test_m"][:2]), test_f[:2])
for name, e in (("kernel", kerr), ("neural", nerr)):
    print(
        f"{name}: max |Δ<m_i>| field 1 {e['max_avg_err'][0]:.4f}, field 2 {e['max_avg_err'][1]:.4f}"
    )

# %% [markdown]
# ## Predicted against simulated ⟨m⟩(t) for fields 1 and 2

# %%
fig, axes = plt.subplots(1, 2, figsize=(12, 4), dpi=100)
true_avg = np.asarray(test_m[:2]).mean((-2, -1))
for f, ax in enumerate(axes):
    for i, c in enumerate("xyz"):
        ax.plot(ts_ns, true_avg[f, :, i], color=f"C{i}", label=f"⟨m{c}⟩ solver")
        ax.plot(ts_ns, kerr["m_avg_pred"][f, :, i], "--", color=f"C{i}", label=f"kernel d={d}")
        ax.plot(ts_ns, nerr["m_avg_pred"][f, :, i], ":", color=f"C{i}", label=f"neural d={d}")
    ax.set_title(f"field {f + 1}: B = {np.asarray(test_f[f]).round(1)} mT")
    ax.set_xlabel("t (ns)")
axes[0].legend(fontsize=7, ncol=3)
fig.tight_layout()
fig.savefig("latent_sp4_m_avg.png")

# %% [markdown]
# ## Latent trajectories (first two kernel-PCA coordinates)

# %%
fig, ax = plt.subplots(figsize=(5, 4), dpi=100)
for f in range(2):
    z_true = kmodel.kpca.encode(test_m[f].reshape(len(ts_ns), -1))
    z_pred = kmodel.latent_rollout(test_m[f, 0], test_f[f], len(ts_ns) - 1)
    ax.plot(z_true[:, 0], z_true[:, 1], color=f"C{f}", label=f"field {f + 1}, encoded")
    ax.plot(z_pred[:, 0], z_pred[:, 1], "--", color=f"C{f}", label=f"field {f + 1}, stepped")
ax.set_xlabel("z1")
ax.set_ylabel("z2")
ax.legend(fontsize=8)
fig.tight_layout()
fig.savefig("latent_sp4_latent.png")
