"""Regressions for differences found by tools/diff_pytensor.py (no pytensor import)."""
import numpy as np

import tensorsmith as lib
import tensorsmith.tensor as pt


def test_grid_single_slice_is_a_tensor():
    for grid, ref in [(pt.ogrid, np.ogrid), (pt.mgrid, np.mgrid)]:
        out = grid[0:3]
        assert isinstance(out, pt.TensorVariable)
        got = lib.function([], out)()
        np.testing.assert_array_equal(got, ref[0:3])
        assert got.dtype == ref[0:3].dtype


def test_grid_several_slices_still_a_list():
    xs = pt.ogrid[0:2, 0:3]
    assert len(xs) == 2
    got = lib.function([], xs)()
    for g, r in zip(got, np.ogrid[0:2, 0:3]):
        np.testing.assert_array_equal(g, r)
