"""Fixtures for the compile-cache tests: a tiny hand-written extension module
(one function returning a number baked into the source), a toolchain that
counts its compilations, and a cache in the test's tmp_path (never the user's).
Tests that compile are skipped when no C compiler exists."""
import pytest
from ccache_support import NO_COMPILER, counting_toolchain


@pytest.fixture
def toolchain():
    if NO_COMPILER is not None:
        pytest.skip(f"no C compiler: {NO_COMPILER}")
    return counting_toolchain()


@pytest.fixture
def cache(tmp_path, toolchain):
    from tensorsmith_ccompile.cache import CompileCache

    return CompileCache(tmp_path / "cache", toolchain=toolchain, max_bytes=0)
