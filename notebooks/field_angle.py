# %% [markdown]
# # Inverse design: which field direction switches m where we want it?
#
# NeuralMag's field-angle demo, in jaxmag. A 10 nm cube (2 × 2 × 2 cells of 5 nm) with
# a uniaxial anisotropy along z (Ku = 1e5 J/m³), Ms = 8e5 A/m, A = 1.3e-11 J/m, α = 0.1
# and demagnetisation, starts at m = +z. We apply a field of fixed strength
# μ0|H| = 0.125 T along the direction (θ, φ) and ask: which direction brings ⟨m⟩ to
# (1/√2, 0, 1/√2), tilted 45° towards x, after exactly 0.05 ns?
#
# The loss is the squared distance |⟨m⟩(0.05 ns) − m_target|². The whole LLG solve is
# differentiable, so `jax.grad` gives ∂loss/∂(θ, φ) (reverse mode, through diffrax) and
# Adam from optax does the rest. Set `JAXMAG_NOTEBOOK_SMALL=1` for the fast version
# that CI executes (a coarser map of the loss).

# %%
import os

import jax

jax.config.update("jax_enable_x64", True)
import equinox as eqx
import jax.numpy as jnp
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import optax

import jaxmag as jm

small = os.environ.get("JAXMAG_NOTEBOOK_SMALL") == "1"
n_map = 9 if small else 41  # loss-map resolution per angle

mesh = jm.Mesh((2, 2, 2), (5e-9, 5e-9, 5e-9))
mat = jm.Material(Ms=8e5, A=1.3e-11, alpha=0.1, Ku1=1e5, anis_u=(0.0, 0.0, 1.0))
B, T1 = 0.125, 5e-11  # T, s
target = jnp.array([1.0, 0.0, 1.0]) / np.sqrt(2.0)
m0 = jnp.broadcast_to(jnp.array([0.0, 0.0, 1.0]).reshape(3, 1, 1, 1), (3, *mesh.n))

# %% [markdown]
# The forward model: build the system from the (traced) angles inside the function, so
# that JAX can differentiate through `make_system` and `simulate`. The initial state
# goes in as an argument.


# %%
def m_avg(angles, m0, ts=(T1,)):
    theta, phi = angles[0], angles[1]
    u = jnp.stack([jnp.sin(theta) * jnp.cos(phi), jnp.sin(theta) * jnp.sin(phi), jnp.cos(theta)])
    system = jm.make_system(mesh, mat, H=u * B / jm.constants.MU0)
    return jm.simulate(system, m0, T1, ts=np.asarray(ts), save_energies=False).m_avg


def loss(angles, m0):
    return jnp.sum((m_avg(angles, m0)[-1] - target) ** 2)


# %% [markdown]
# First a map of the loss over field directions (one batched solve with `jax.vmap`). It
# shows a curved valley: the field must lean past x and run ahead in φ, because m
# precesses about it while it relaxes.

# %%
thetas = np.linspace(0.0, np.pi, n_map)
phis = np.linspace(-np.pi / 2, np.pi / 2, n_map)
grid = jnp.array(np.stack(np.meshgrid(thetas, phis, indexing="ij"), -1).reshape(-1, 2))
loss_map = eqx.filter_jit(jax.vmap(loss, in_axes=(0, None)))(grid, m0).reshape(n_map, n_map)
print(f"loss over the map: {float(loss_map.min()):.3g} to {float(loss_map.max()):.3g}")

# %% [markdown]
# Now Adam on (θ, φ) until the loss is below 1e-6, from θ = φ = 0.5 rad. The valley
# holds two exact solutions, so we also start a second run from (2.1, 0.8) rad, which
# finds the other one.

# %%
opt = optax.adam(0.05)


@eqx.filter_jit
def step(angles, opt_state, m0):
    value, grad = jax.value_and_grad(loss)(angles, m0)
    updates, opt_state = opt.update(grad, opt_state)
    return optax.apply_updates(angles, updates), opt_state, value


def descend(start, max_iter=300, stop=1e-6):
    angles = jnp.asarray(start, dtype=float)
    opt_state = opt.init(angles)
    path, losses = [np.asarray(angles)], []
    for _ in range(max_iter):
        new_angles, opt_state, value = step(angles, opt_state, m0)
        losses.append(float(value))
        if losses[-1] < stop:
            break
        angles = new_angles
        path.append(np.asarray(angles))
    return angles, np.array(path), losses


runs = [descend(start) for start in ((0.5, 0.5), (2.1, 0.8))]
for angles, path, losses in runs:
    theta, phi = np.degrees(np.asarray(angles))
    m_end = np.round(np.asarray(m_avg(angles, m0)[-1]), 5)
    print(
        f"from {np.round(path[0], 2)} rad: {len(losses)} iterations, loss {losses[0]:.3g} -> "
        f"{losses[-1]:.3g}, θ = {theta:.3f}°, φ = {phi:.3f}°, ⟨m⟩(0.05 ns) = {m_end}"
    )
angles, path, losses = runs[0]

# %% [markdown]
# The paths of both runs over the loss map, the loss of the first, and ⟨m⟩(t) in the
# field it found.

# %%
ts = np.linspace(0.0, T1, 101)
m_t = np.asarray(m_avg(angles, m0, ts))

fig, (ax0, ax1, ax2) = plt.subplots(1, 3, figsize=(15, 4.2))
cs = ax0.contourf(np.degrees(phis), np.degrees(thetas), np.log10(np.asarray(loss_map)), levels=30)
fig.colorbar(cs, ax=ax0, label="log10 loss")
for a, pth, _ in runs:
    ax0.plot(np.degrees(pth[:, 1]), np.degrees(pth[:, 0]), "w.-", ms=3, lw=0.8)
    ax0.plot(*np.degrees(np.asarray(a))[::-1], "r*", ms=12)
ax0.set(xlabel="φ (deg)", ylabel="θ (deg)", title="loss map and Adam paths")
ax1.semilogy(losses)
ax1.axhline(1e-4, color="k", ls="--", lw=0.8, label="target 1e-4")
ax1.set(xlabel="iteration", ylabel="loss", title="loss (first run)")
ax1.legend()
for i, (k, c) in enumerate(zip("xyz", ("tab:blue", "tab:orange", "tab:green"), strict=True)):
    ax2.plot(ts * 1e9, m_t[:, i], color=c, label=f"⟨m{k}⟩")
    ax2.plot(T1 * 1e9, float(target[i]), "o", color=c, mfc="none", ms=9)
ax2.set(xlabel="t (ns)", ylabel="⟨m⟩", title="optimised switching (circles: target)")
ax2.legend()
fig.tight_layout()
fig.savefig("field_angle.png", dpi=110)
print("wrote field_angle.png")
