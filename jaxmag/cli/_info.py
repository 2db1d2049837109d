"""``jaxmag info``: the JAX backend and devices, the float precision, the compilation
cache and the versions of the packages jaxmag runs on."""

import json
import platform
import sys
from importlib import metadata

X64 = False
"""No float64 switch: it reports JAX's own default."""

PACKAGES = (
    "jax",
    "jaxlib",
    "equinox",
    "diffrax",
    "optax",
    "orbax-checkpoint",
    "numpy",
    "jaxmag",
)
"""The packages whose versions are reported (distribution names)."""


def add_parser(sub) -> None:
    p = sub.add_parser(
        "info",
        help="JAX backend, devices, float precision, compilation cache, versions",
        description="Print the JAX backend (cpu, gpu or tpu), its devices (kind, count, "
        "memory where JAX reports it), the float precision, the persistent compilation "
        "cache folder and the versions of Python and the packages jaxmag uses.",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object instead")


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def collect(cache_folder, command_x64: dict) -> dict:
    """The report as a dict (see :func:`run`); ``cache_folder`` is the CLI's cache folder
    or None when it is off, ``command_x64`` each subcommand's ``X64``."""
    import jax

    import jaxmag

    devices = jax.devices()
    out_devices = []
    for d in devices:
        stats = d.memory_stats() if hasattr(d, "memory_stats") else None
        limit = (stats or {}).get("bytes_limit")
        out_devices.append(
            {
                "id": d.id,
                "platform": d.platform,
                "kind": d.device_kind,
                "memory_bytes": None if limit is None else int(limit),
            }
        )
    x64_cmds = {
        name: ("float64 unless --dtype float32" if x64 is None else "float64")
        for name, x64 in command_x64.items()
        if x64 is not False
    }
    versions = {"python": platform.python_version()}
    versions.update({name: _version(name) for name in PACKAGES})
    versions["jaxmag (imported)"] = f"{jaxmag.__version__} from {jaxmag.__path__[0]}"
    return {
        "backend": jax.default_backend(),
        "device_count": len(devices),
        "devices": out_devices,
        "x64_default": bool(jax.config.jax_enable_x64),
        "cli_precision": x64_cmds,
        "compilation_cache": {
            "enabled": cache_folder is not None,
            "folder": None if cache_folder is None else str(cache_folder),
        },
        "versions": versions,
    }


def _text(r: dict) -> str:
    lines = [f"backend: {r['backend']}", f"devices: {r['device_count']}"]
    for d in r["devices"]:
        mem = "" if d["memory_bytes"] is None else f", {d['memory_bytes'] / 2**30:.1f} GiB"
        lines.append(f"  device {d['id']}: {d['platform']} {d['kind']}{mem}")
    x64 = "on" if r["x64_default"] else "off"
    lines.append(f"x64 (JAX default in this process): {x64}")
    for name, prec in r["cli_precision"].items():
        lines.append(f"  jaxmag {name}: {prec}")
    c = r["compilation_cache"]
    state = f"on, {c['folder']}" if c["enabled"] else "off"
    lines.append(f"compilation cache: {state}")
    for name, v in r["versions"].items():
        lines.append(f"{name}: {v}")
    return "\n".join(lines)


def run(args) -> int:
    from jaxmag.cli._cache import cache_dir

    r = collect(cache_dir(args.no_cache), args.command_x64)
    print(json.dumps(r) if args.json else _text(r))
    sys.stdout.flush()
    return 0
