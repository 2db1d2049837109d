# %% [markdown]
# # µMAG standard problem 4, step by step
#
# A research-notebook walk through jaxmag's core API (percent format: open it in
# Jupyter with jupytext, VS Code or Spyder, or run it as a script). Set
# `JAXMAG_NOTEBOOK_SMALL=1` for the small, fast version that CI executes.

# %%
import os

import jax

jax.config.update("jax_enable_x64", True)
import numpy as np

import jaxmag as jm
from jaxmag.problems import sp4

small = os.environ.get("JAXMAG_NOTEBOOK_SMALL") == "1"
cells = (50, 13, 1) if small else (200, 50, 1)
t1 = 1e-10 if small else 1e-9

# %% [markdown]
# Build the film: permalloy, Ms = 8e5 A/m, A = 1.3e-11 J/m, α = 0.02.

# %%
mesh = sp4.mesh(cells)
mat = sp4.material()
print(mesh, f"cell volume {mesh.cell_volume:.3e} m³")

# %% [markdown]
# Relax the s-state with the Barzilai–Borwein minimiser, then look at the energies.

# %%
relaxed = jm.minimize(jm.make_system(mesh, mat), sp4.initial_state(cells), progress=True)
system0 = jm.make_system(mesh, mat)
print("⟨m⟩ =", np.asarray(jm.mean_m(system0, relaxed.m)))
print({k: float(v) for k, v in system0.energies(relaxed.m).items()}, "J")

# %% [markdown]
# Apply field 1, μ0H = (−24.6, 4.3, 0) mT, and integrate.

# %%
H = np.array(sp4.FIELD1_MT) * 1e-3 / jm.constants.MU0
system = jm.make_system(mesh, mat, H=H)
traj = jm.simulate(system, relaxed.m, t1, save_every=1e-12)
print("first zero of ⟨mx⟩:", sp4.first_zero(traj.ts, traj.m_avg[:, 0]), "s")
print("max | |m| - 1 |:", float(traj.max_norm_dev))

# %%
from jaxmag.plot import plot_m_avg

png = plot_m_avg(
    "sp4_walkthrough.png",
    traj.ts,
    traj.m_avg,
    reference=dict(sp4.oommf_reference(), label="OOMMF"),
    title="SP4, field 1",
)
print("wrote", png)
