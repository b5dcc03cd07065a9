"""Every warning the library issues names the user's line: ``warning.filename``
is this file (not a file of the library), and ``lineno`` the line of the call,
whatever the depth of library calls in between (``tensorsmith_graphcore.warn_user``)."""
import contextlib
import importlib
import inspect
import re
import sys
import textwrap
import warnings

import numpy as np
import pytest

import tensorsmith
import tensorsmith.tensor as pt
import tensorsmith_autodiff
from tensorsmith_graphcore import register_library_path, user_frame, warn_user

HERE = __file__


def _line(offset=0):
    """The line number of the caller's line, plus ``offset``."""
    return inspect.currentframe().f_back.f_lineno + offset


def _only(record, category=Warning):
    ws = [w for w in record if issubclass(w.category, category)]
    assert len(ws) == 1, [str(w.message) for w in record]
    return ws[0]


def _assert_here(w, lineno):
    assert w.filename == HERE, (w.filename, str(w.message))
    assert w.lineno == lineno, (w.lineno, lineno, str(w.message))


@pytest.mark.parametrize("grad_fn", [tensorsmith.grad, pt.grad, tensorsmith_autodiff.grad],
                         ids=["tensorsmith.grad", "pt.grad", "tensorsmith_autodiff.grad"])
def test_grad_disconnected_inputs_warn_names_the_callers_line(grad_fn):
    x, y = pt.dscalar("x"), pt.dscalar("y")
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        line = _line(1)
        g = grad_fn(x * 2, [x, y], disconnected_inputs="warn")
    w = _only(rec, UserWarning)
    assert "wrt[1]" in str(w.message)
    _assert_here(w, line)
    assert len(g) == 2


def test_grad_warning_from_a_user_helper_names_the_helpers_line():
    """The innermost frame outside the library: a user's own helper function."""
    x, y = pt.dscalar("x"), pt.dscalar("y")
    lines = []

    def my_loss_grad(cost, wrt):
        lines.append(_line(1))
        return tensorsmith.grad(cost, wrt, disconnected_inputs="warn")

    with pytest.warns(UserWarning, match="wrt\\[0\\]") as rec:
        my_loss_grad(x ** 2, [y, x])
    _assert_here(_only(rec.list, UserWarning), lines[0])


def test_jacobian_and_hessian_disconnected_inputs_warn_name_the_callers_line():
    x = pt.dvector("x")
    y = pt.dvector("y")
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        line = _line(1)
        tensorsmith.gradient.jacobian(x ** 2, [x, y], disconnected_inputs="warn")
    assert rec, "jacobian issued no warning"
    for w in rec:
        _assert_here(w, line)
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        line = _line(1)
        tensorsmith.gradient.hessian((x ** 2).sum(), [x, y], disconnected_inputs="warn")
    assert rec, "hessian issued no warning"
    for w in rec:
        _assert_here(w, line)


def test_moved_graph_basic_names_warn_at_the_users_line():
    import tensorsmith.graph.basic as basic

    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        line = _line(1)
        basic.toposort  # noqa: B018
    w = _only(rec, FutureWarning)
    assert "tensorsmith.graph.traversal.toposort" in str(w.message)
    _assert_here(w, line)
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        line = _line(1)
        from tensorsmith.graph.basic import ancestors  # noqa: F401
    _assert_here(_only(rec, FutureWarning), line)


def test_function_on_unused_input_warn_names_the_callers_line():
    x, y = pt.dscalar("x"), pt.dscalar("y")
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        line = _line(1)
        f = tensorsmith.function([x, y], x * 2, on_unused_input="warn")
    w = _only(rec, UserWarning)
    assert "not used" in str(w.message)
    _assert_here(w, line)
    assert f(1.0, 2.0) == 2.0


def test_warning_filters_apply_to_the_users_module():
    """The warning is issued as from the user's module: a filter naming that
    module turns it into an error, and the default filter reports it once
    per line."""
    x, y = pt.dscalar("x"), pt.dscalar("y")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        warnings.filterwarnings("error", category=UserWarning, module=re.escape(__name__))
        with pytest.raises(UserWarning, match="wrt\\[1\\]"):
            tensorsmith.grad(x * 2, [x, y], disconnected_inputs="warn")
    # 'default': once per location; the registry is the user's module's
    sys.modules[__name__].__dict__.pop("__warningregistry__", None)
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("default")
        for _ in range(3):
            tensorsmith.grad(x * 2, [x, y], disconnected_inputs="warn")
    assert len([w for w in rec if "wrt[1]" in str(w.message)]) == 1


# ---------------------------------------------------------------------------
# warn_user itself, with a library of our own
# ---------------------------------------------------------------------------
LIB_SOURCE = textwrap.dedent('''
    import contextlib
    import functools

    from tensorsmith_graphcore import warn_user


    def deep(n, category=UserWarning):
        if n == 0:
            warn_user("deep warning", category)
            return
        deep(n - 1, category)


    @contextlib.contextmanager
    def warns_on_enter():
        warn_user("from a context manager", RuntimeWarning)
        yield


    def uses_context_manager():
        with warns_on_enter():
            pass


    def calls_back(fn):
        return fn()


    @functools.lru_cache(maxsize=None)
    def cached():
        deep(2)
''')


@pytest.fixture(scope="module")
def fake_lib(tmp_path_factory):
    d = tmp_path_factory.mktemp("fakelib")
    (d / "ts_fake_warning_lib.py").write_text(LIB_SOURCE)
    register_library_path(str(d))
    sys.path.insert(0, str(d))
    try:
        yield importlib.import_module("ts_fake_warning_lib")
    finally:
        sys.path.remove(str(d))
        sys.modules.pop("ts_fake_warning_lib", None)


def test_warn_user_skips_every_library_frame(fake_lib):
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        line = _line(1)
        fake_lib.deep(5, DeprecationWarning)
    w = _only(rec, DeprecationWarning)
    assert str(w.message) == "deep warning"
    _assert_here(w, line)


def test_warn_user_skips_standard_library_frames_inside_the_library(fake_lib):
    """A contextlib frame between two library frames is not the user's."""
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        line = _line(1)
        fake_lib.uses_context_manager()
    _assert_here(_only(rec, RuntimeWarning), line)
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        line = _line(1)
        fake_lib.cached()
    _assert_here(_only(rec, UserWarning), line)


def test_warn_user_stops_at_a_user_callback(fake_lib):
    """Library -> user callback -> library: the callback is the user's line."""
    lines = []

    def callback():
        lines.append(_line(1))
        fake_lib.deep(1)

    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        fake_lib.calls_back(callback)
    _assert_here(_only(rec, UserWarning), lines[0])


def test_warn_user_called_directly_names_the_caller():
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        line = _line(1)
        warn_user("direct", UserWarning)
    _assert_here(_only(rec, UserWarning), line)
    assert user_frame(0).f_code.co_filename == HERE


def test_library_warnings_never_point_into_the_library():
    """A sweep: whatever the library warns while these run, the warning is
    attributed to this file."""
    x, y = pt.dvector("x"), pt.dvector("y")
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        tensorsmith.grad((x ** 2).sum(), [x, y], disconnected_inputs="warn")
        tensorsmith.gradient.jacobian(x ** 2, [x, y], disconnected_inputs="warn")
        f = tensorsmith.function([x], x * 2)
        f(np.ones(2))
        import tensorsmith.graph.basic as basic

        basic.orphans_between  # noqa: B018
    assert len(rec) >= 3
    for w in rec:
        assert w.filename == HERE, (w.filename, str(w.message))
