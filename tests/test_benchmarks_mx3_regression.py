"""benchmarks/mx3_regression.py --quick: jaxmag's own mx3 scripts pass, and each copy
with its first tolerance set to -1 fails (an honest pass)."""

from pathlib import Path

import pytest

OWN = Path(__file__).parent / "data" / "mx3"


@pytest.mark.slow
def test_mx3_regression_quick(bench):
    # every script shipped in tests/data/mx3 checks itself with expect(); none may be
    # skipped for lacking one, none may fail, and each negated copy must fail
    n = len(sorted(OWN.glob("*.mx3")))
    assert n >= 4  # demagcube, macrospin, magnetoelastic, rkky at least
    f = bench("mx3_regression.py", "--quick", "--jobs", "2").figures
    assert f["scripts_with_expect"] == n
    assert f["passed"] == n and f["pass_rate"] == 1.0
    assert f["negated_copies_run"] == n and f["negated_copies_that_passed"] == []
