"""The CLI's persistent compilation cache and its compile-time meter.

Every ``jaxmag`` command stores the programs XLA compiles in JAX's persistent
compilation cache, so a second run with the same shapes loads them instead of compiling
(``jaxmag sp4``: see its ``compile:`` line). The folder is, in order:

1. ``$JAXMAG_CACHE_DIR`` if set; set to the empty string, it turns the cache off;
2. ``$XDG_CACHE_HOME/jaxmag/jax-compilation-cache`` if ``$XDG_CACHE_HOME`` is set;
3. ``~/.cache/jaxmag/jax-compilation-cache`` (the folder the test suite uses).

``jaxmag --no-cache ...`` turns it off for one run. Every program is cached however fast
it compiled (``jax_persistent_cache_min_compile_time_secs = 0``, no minimum size). The
cache key covers the program, the jax/jaxlib versions, the device and XLA's flags, so a
changed library recompiles what changed and nothing stale is loaded. JAX does not store
a program with host callbacks: ``jaxmag sp4`` runs its solves without any (no progress
meter inside the solve); ``jaxmag run`` shows the solve's progress from inside it, so
its solve is compiled on every run unless ``--quiet`` is given.

Nothing here imports jax at module level: the CLI stays fast to import.
"""

import contextlib
import os
import time
from pathlib import Path

ENV = "JAXMAG_CACHE_DIR"
"""The environment variable naming the cache folder ("" turns the cache off)."""


def cache_dir(no_cache: bool = False) -> Path | None:
    """The persistent compilation cache folder the CLI uses, or None when it is off
    (``no_cache``, or ``$JAXMAG_CACHE_DIR`` set to the empty string)."""
    if no_cache:
        return None
    env = os.environ.get(ENV)
    if env is not None:
        return Path(env).expanduser() if env.strip() else None
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "jaxmag" / "jax-compilation-cache"


_OPTIONS = (
    "jax_enable_compilation_cache",
    "jax_compilation_cache_dir",
    "jax_persistent_cache_min_compile_time_secs",
    "jax_persistent_cache_min_entry_size_bytes",
)


@contextlib.contextmanager
def enabled(folder: Path | None):
    """While active, JAX's persistent compilation cache is in ``folder`` (None: off) and
    holds every program, however quick to compile or small; JAX's settings before are
    restored after (``main`` is also called in-process, by tests and scripts)."""
    import jax
    from jax.experimental.compilation_cache.compilation_cache import reset_cache

    before = {name: getattr(jax.config, name) for name in _OPTIONS}
    if folder is None:
        settings = {"jax_enable_compilation_cache": False}
    else:
        settings = dict(zip(_OPTIONS, (True, str(folder), 0.0, -1), strict=True))
    # JAX reads these settings once, at its first compilation: reset_cache() makes it
    # read them again (in a process that compiled before, as tests do).
    try:
        for name, value in settings.items():
            jax.config.update(name, value)
        reset_cache()
        yield folder
    finally:
        for name, value in before.items():
            jax.config.update(name, value)
        reset_cache()


_BACKEND = "/jax/core/compile/backend_compile_duration"
_TRACE = (
    "/jax/core/compile/jaxpr_trace_duration",
    "/jax/core/compile/jaxpr_to_mlir_module_duration",
)


class CompileMeter:
    """Sums JAX's own compile-time events (``jax.monitoring``) while active.

    ``backend_s``: XLA compilation, or loading the executable from the persistent cache
    on a hit (JAX times both as ``/jax/core/compile/backend_compile_duration``).
    ``trace_s``: tracing to a jaxpr and lowering to MLIR, which Python does on every
    run, cache or not. ``compile_s`` is their sum; ``wall_s`` the wall time while active.
    """

    def __init__(self):
        self.backend_s = 0.0
        self.trace_s = 0.0
        self.wall_s = 0.0

    def _listen(self, event: str, duration: float, **_) -> None:
        if event == _BACKEND:
            self.backend_s += duration
        elif event in _TRACE:
            self.trace_s += duration

    @property
    def compile_s(self) -> float:
        return self.backend_s + self.trace_s

    def __enter__(self):
        import jax.monitoring

        jax.monitoring.register_event_duration_secs_listener(self._listen)
        self._t = time.perf_counter()
        return self

    def __exit__(self, *exc):
        import jax.monitoring

        self.wall_s += time.perf_counter() - self._t
        jax.monitoring.unregister_event_duration_listener(self._listen)
        return False
