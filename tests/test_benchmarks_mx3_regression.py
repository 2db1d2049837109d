"""benchmarks/mx3_regression.py --quick: jaxmag's own mx3 scripts pass, and each copy
with its first tolerance set to -1 fails (an honest pass)."""

import pytest


@pytest.mark.slow
def test_mx3_regression_quick(bench):
    f = bench("mx3_regression.py", "--quick", "--jobs", "2").figures
    assert f["scripts_with_expect"] == 3
    assert f["passed"] == 3 and f["pass_rate"] == 1.0
    assert f["negated_copies_run"] == 3 and f["negated_copies_that_passed"] == []
