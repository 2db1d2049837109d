"""Compiling diffrax's solve without host callbacks when its times were checked on the
host, so that JAX's persistent compilation cache can store the program."""

import contextlib

import diffrax

from jaxmag._validate import is_concrete


def checked_on_host(t0, t1, ts, snapshot_ts, dt0, stepsize_controller) -> bool:
    """Whether every argument that diffrax checks inside the solve (save times sorted and
    in ``[t0, t1]``, ``dt0`` of the right sign) was concrete and so checked on the host."""
    values = (t0, t1, ts, snapshot_ts, dt0)
    return all(v is None or is_concrete(v) for v in values) and not isinstance(
        stepsize_controller, diffrax.StepTo
    )


@contextlib.contextmanager
def host_checked_errors(checked: bool):
    """While tracing diffrax's solve with arguments already checked on the host, its
    runtime checks of them (``equinox.error_if``) return NaN instead of raising.

    A raising ``error_if`` is a host callback, and JAX does not store a program with host
    callbacks in its persistent compilation cache; the NaN form is plain XLA. The checks
    cannot fail here (``simulate`` checked them), and if one did, the NaN reaches the
    outputs and ``check_finite`` raises. Equinox reads its error mode at trace
    time from a module global, which this sets for the trace only; with another mode set
    (``EQX_ON_ERROR``) or an Equinox without that global it changes nothing. Equinox
    also caches its traced checks by message and shapes, not by mode: in a process that
    traced the same check in raise mode before (a run with traced times), that version
    comes back, and the solve keeps its callbacks and is not stored in the persistent
    cache (its results are the same). The command line traces the solve first.
    """
    import equinox._errors as errors

    if not checked or getattr(errors, "EQX_ON_ERROR", None) != "raise":
        yield
        return
    errors.EQX_ON_ERROR = "nan"
    try:
        yield
    finally:
        errors.EQX_ON_ERROR = "raise"
