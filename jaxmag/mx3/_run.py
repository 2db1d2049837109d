"""Run a script: parse, check, execute, and write the outputs into ``SCRIPT.out/``."""

from pathlib import Path

from jaxmag.mx3._interp import Interpreter
from jaxmag.mx3._output import Output
from jaxmag.mx3._parse import Mx3Error, parse
from jaxmag.mx3._world import World


def run_source(source: str, outdir, *, file=None, log=print, progress: bool = False,
               demag_kernel: str = "newell") -> World:  # fmt: skip
    """Execute mumax3 script text; outputs go to `outdir`. Returns the final world.

    `demag_kernel`: ``"newell"`` (jaxmag's exact tensor) or ``"mumax3"`` (mumax3's own
    quadrature, to reproduce the numbers of scripts written against mumax3; see
    :class:`~jaxmag.Demag`). `log` receives what the script prints; `progress` shows a
    progress line during ``run``.

    Raises :class:`~jaxmag.mx3.Mx3Error` (with the file and line) on a syntax error, an
    unknown or unsupported identifier, a bad argument, or a failed expectation.
    """
    tree = parse(source, file=file)
    world = World(Path(outdir), demag_kernel=demag_kernel)
    out = Output(world, Path(outdir))
    interp = Interpreter(world, out, file, log=log, progress=progress)
    try:
        interp.run(tree)
    finally:
        out.write_table()
    return world


def run(path, *, outdir=None, log=print, progress: bool = False, demag_kernel="newell") -> World:
    """Run the script at `path`; outputs go to ``path``'s name with ``.out`` (as mumax3:
    ``film.mx3`` → ``film.out/``) unless `outdir` is given."""
    path = Path(path)
    if not path.is_file():
        raise Mx3Error("no such file", file=path)
    if outdir is None:
        outdir = path.with_suffix(".out")
    return run_source(path.read_text(), outdir, file=path, log=log, progress=progress,
                      demag_kernel=demag_kernel)  # fmt: skip
