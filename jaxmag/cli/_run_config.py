"""Run a checked problem description (:mod:`jaxmag.cli`): build the mesh, material and
initial state, then the stages in order, writing ``table.txt``, OVF snapshots and
checkpoints to the output folder.

Times in the table run on across stages; relax stages add no rows. A run stage with
``output.checkpoint_every > 0`` goes through :func:`jaxmag.simulate_checkpointed`
in ``DIR/checkpoints/stage<i>``, so a killed run resumes there.
"""

from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

from jaxmag import shapes
from jaxmag._material import Material
from jaxmag._memory import InsufficientMemoryError
from jaxmag._mesh import Mesh
from jaxmag._system import make_system
from jaxmag.cli._config import ConfigError
from jaxmag.constants import MU0
from jaxmag.dynamics._memory import check_run_fits, estimate_memory
from jaxmag.dynamics._names import solver_from_name
from jaxmag.dynamics._simulate import simulate
from jaxmag.dynamics._times import clip_times, count_times, save_times
from jaxmag.io._atomic import kept_interrupts
from jaxmag.observables import energy_name
from jaxmag.statics._relax import minimise
from jaxmag.vectors import normalise

_SHAPES = {"cuboid": ("size",), "ellipse": ("diameters",), "disk": ("radius",),
           "cylinder": ("radius", "height")}  # fmt: skip


def _mask(mesh, spec):
    args = [spec[k] for k in _SHAPES[spec["kind"]]]
    return getattr(shapes, spec["kind"])(mesh, *args, spec.get("center", (0.0, 0.0, 0.0)))


def build(cfg: dict):
    """``(mesh, material, mask)`` of a parsed description."""
    cells = cfg["cells"]
    mesh = Mesh.from_size(cells, cfg["size"]) if "size" in cfg else Mesh(cells, cfg["cell"])
    mask = shapes.universe(mesh)
    if cfg["shapes"]:
        mask = np.zeros(mesh.shape, bool)
        for s in cfg["shapes"]:
            mask |= _mask(mesh, s)
    if "material" in cfg:
        return mesh, Material(**cfg["material"]), mask
    region = np.zeros(mesh.shape, np.int32)
    for i, r in enumerate(cfg["regions"]):
        region[_mask(mesh, r["shape"])] = i + 1
    mats = [Material(Ms=0.0)] + [Material(**r["material"]) for r in cfg["regions"]]
    return mesh, Material.from_regions(mesh, region, mats), mask & (region > 0)


def system_for(cfg, mesh, material, mask, B_mT):
    H = None if not any(B_mT) else jnp.asarray(B_mT, dtype=float) * 1e-3 / MU0
    e = cfg["energy"]
    return make_system(mesh, material, mask=mask, H=H, exchange=e["exchange"],
                       demag=e["demag"], anisotropy=e["anisotropy"])  # fmt: skip


def initial_state(cfg: dict, mesh: Mesh):
    """The initial magnetisation ``(3, nx, ny, nz)`` of the description."""
    init = cfg["initial"]
    kind = init["kind"]
    if kind == "uniform":
        m = jnp.asarray(init["m"], dtype=float)
        return jnp.broadcast_to((m / jnp.linalg.norm(m))[:, None, None, None], (3, *mesh.shape))
    if kind == "random":
        return normalise(jax.random.normal(jax.random.PRNGKey(init["seed"]), (3, *mesh.shape)))
    if kind == "vortex":
        x, y, _ = (jnp.asarray(c) for c in mesh.coordinates())
        r2 = x**2 + y**2
        core = (10e-9) ** 2  # a core radius of about 10 nm
        c, p = init["chirality"], init["polarity"]
        m = jnp.stack([-c * y, c * x, p * jnp.sqrt(core) * 2 * jnp.exp(-r2 / core)])
        return normalise(m)
    from jaxmag.io import ovf

    path = cfg["base"] / init["path"]
    try:
        f = ovf.read(path)
    except OSError as e:
        raise ConfigError(f"{cfg['source']}:initial.path: cannot read {path} "
                          f"({e.strerror or e})") from None  # fmt: skip
    except ValueError as e:
        raise ConfigError(f"{cfg['source']}:initial.path: {e}") from None
    if f.values.shape != (3, *mesh.shape):
        raise ConfigError(f"{cfg['source']}:initial.path: {path} holds {f.values.shape}, "
                          f"the mesh needs {(3, *mesh.shape)}")  # fmt: skip
    return normalise(jnp.asarray(f.values))


def check_stages(cfg: dict) -> None:
    """Refuse, before any stage runs, a run stage whose time is not a whole number of
    ``output.table_every`` or is shorter than ``output.checkpoint_every``."""
    every, ck = cfg["output"]["table_every"], cfg["output"]["checkpoint_every"]
    for i, stage in enumerate(cfg["stages"]):
        if stage["kind"] != "run":
            continue
        n = int(round(stage["t"] / every))
        if n < 1 or not np.isclose(n * every, stage["t"], rtol=1e-9, atol=0.0):
            raise ConfigError(f"{cfg['source']}:stages[{i}].t: {stage['t']} s is not a whole "
                              f"number of output.table_every = {every} s")  # fmt: skip
        if ck > stage["t"] * (1 + 1e-9):
            raise ConfigError(f"{cfg['source']}:output.checkpoint_every: {ck} s is longer "
                              f"than stages[{i}].t = {stage['t']} s")  # fmt: skip


def check_memory(cfg: dict, mesh: Mesh) -> None:
    """Refuse, before any stage runs, a run stage whose table rows, OVF snapshots and
    solver would not fit in the free memory (:func:`jaxmag.estimate_memory`):
    ``table_every = 1e-24`` asks for 1e13 rows a nanosecond."""
    out = cfg["output"]
    for i, stage in enumerate(cfg["stages"]):
        if stage["kind"] != "run":
            continue
        rows = count_times(0.0, stage["t"], out["table_every"], name="output.table_every")
        snaps = 0
        if out["ovf_every"] > 0:
            snaps = int(np.floor(stage["t"] / out["ovf_every"] * (1 + 1e-9))) + 1
        est = estimate_memory(mesh, saves=rows, snapshots=snaps, demag=cfg["energy"]["demag"])
        try:
            check_run_fits(est)
        except InsufficientMemoryError as e:
            where = f"{cfg['source']}:stages[{i}] (table_every, ovf_every, mesh.cells)"
            raise InsufficientMemoryError(f"{where}: {e}") from None


def _output_dir(cfg: dict, out: Path) -> None:
    """Create the output folder before the first stage, or say why it cannot be."""
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise ConfigError(f"{cfg['source']}:output.dir: cannot create {out} "
                          f"({e.strerror or e})") from None  # fmt: skip


def _run_stage(cfg, stage, i, system, m, t_start, out: Path, progress):
    every = cfg["output"]["table_every"]
    ts = save_times(0.0, stage["t"], every, name="output.table_every")
    name = stage["solver"]
    solver = None if name is None else solver_from_name(name)
    ovf_every = cfg["output"]["ovf_every"]
    snaps = None
    if ovf_every > 0:
        # an interval longer than the stage snapshots its start only
        n_ovf = int(np.floor(stage["t"] / ovf_every * (1 + 1e-9)))
        snaps = clip_times(np.arange(n_ovf + 1) * ovf_every, 0.0, stage["t"])
    ck_every = cfg["output"]["checkpoint_every"]
    kw = dict(snapshots=False if snaps is None else snaps, solver=solver, rtol=stage["rtol"],
              atol=stage["rtol"], progress=progress)  # fmt: skip
    if ck_every > 0:  # the same output as without checkpoints: table, energies, OVF files
        from jaxmag.dynamics import simulate_checkpointed

        folder = out / "checkpoints" / f"stage{i}"
        tr = simulate_checkpointed(system, m, stage["t"], checkpoint_dir=folder,
                                   checkpoint_every=ck_every, save_every=every,
                                   save_energies=True, **kw)  # fmt: skip
    else:
        tr = simulate(system, m, stage["t"], ts=ts, **kw)
    rows = {"t": t_start + np.asarray(tr.ts), **_avg(tr.m_avg)}
    if tr.energies:
        rows["E_total"] = sum(np.asarray(v) for v in tr.energies.values())
        rows |= {energy_name(k): np.asarray(v) for k, v in tr.energies.items()}
    return tr.m_final, rows, snaps, tr.snapshots


def _avg(m_avg):
    m_avg = np.asarray(m_avg)
    return {"mx": m_avg[:, 0], "my": m_avg[:, 1], "mz": m_avg[:, 2]}


def run(cfg: dict, out=None, *, progress: bool = True) -> dict:
    """Run every stage; returns ``{"table": columns, "m": final state, "files": [...]}``."""
    from jaxmag.io import write_table

    out = Path(out if out is not None else cfg["output"]["dir"])
    check_stages(cfg)  # every stage, before the first one runs
    mesh, material, mask = build(cfg)
    check_memory(cfg, mesh)
    m = initial_state(cfg, mesh)
    _output_dir(cfg, out)
    t, table, files, n_snap = 0.0, [], [], 0
    # a Ctrl-C whose KeyboardInterrupt was swallowed stops at the next stage or file
    with kept_interrupts() as interrupts:
        for i, stage in enumerate(cfg["stages"]):
            interrupts.check()
            system = system_for(cfg, mesh, material, mask, stage["B_mT"])
            if progress:
                print(f"stage {i}: {stage['kind']} in B = {stage['B_mT']} mT", flush=True)
            if stage["kind"] == "relax":
                r = minimise(system, m, tol=stage.get("tol"), progress=progress)
                if not bool(r.converged):
                    print(f"  warning: relaxation stopped at torque {float(r.max_torque):.2e}")
                m = r.m
                continue
            m, rows, snap_ts, snaps = _run_stage(cfg, stage, i, system, m, t, out, progress)
            B = np.asarray(stage["B_mT"]) * 1e-3
            rows |= {f"B_ext{c}": np.full(len(rows["t"]), B[k]) for k, c in enumerate("xyz")}
            table.append(rows)
            if snaps is not None:
                from jaxmag.io import ovf

                for s in range(len(snap_ts)):
                    interrupts.check()
                    path = out / f"m{n_snap:06d}.ovf"
                    ovf.write(path, np.asarray(snaps[s]), mesh.cell,
                              desc=[f"t = {t + snap_ts[s]:.6e} s"])  # fmt: skip
                    files.append(path)
                    n_snap += 1
            t += stage["t"]
    columns = {}
    if table:
        keys = [k for k in table[0] if all(k in r for r in table)]
        columns = {k: np.concatenate([r[k] for r in table]) for k in keys}
        files.append(write_table(out / "table.txt", columns))
    return {"table": columns, "m": m, "files": files, "mesh": mesh}
