"""Gradient markers and the errors of autodiff.

An entry of the list a gradient rule returns is one of:

* a ``Variable``: the gradient for that input;
* ``disconnected`` (the only instance of ``DisconnectedGrad``): the output does
  not depend on that input; no gradient flows (``None`` is accepted as a synonym);
* a ``NullGrad`` made by ``grad_undefined`` (the gradient does not exist, e.g. wrt
  an index) or ``grad_not_implemented`` (it exists but nobody wrote it).

A ``NullGrad`` is a value that propagates: if it reaches a variable ``grad`` was
asked about, ``grad`` raises ``NullGradientError`` (or returns the marker with
``null_gradients="return"``).  The error class depends on the kind:
``GradUndefinedError`` (also a ``ValueError``) or ``GradNotImplementedError``
(also a ``NotImplementedError``); both derive from ``NullGradientError``, a
``TypeError`` like PyTensor's ``NullTypeGradError``, and carry ``.null`` (the
marker) and ``.kind``.
"""

__all__ = [
    "DisconnectedGrad", "disconnected", "NullGrad", "grad_undefined", "grad_not_implemented",
    "NullGradientError", "GradUndefinedError", "GradNotImplementedError",
    "DisconnectedInputError", "MissingTypeHookError",
]


class DisconnectedGrad:
    """Marker: no gradient flows (the output does not depend on the input).
    Use the singleton ``disconnected``."""

    _instance = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = object.__new__(cls)
        return cls._instance

    def __repr__(self):
        return "disconnected"

    def __reduce__(self):
        return (DisconnectedGrad, ())

    def __bool__(self):
        return False


disconnected = DisconnectedGrad()


class NullGrad:
    """Marker: the gradient of ``op``'s input ``index`` (variable ``var``) is
    undefined (``kind="undefined"``) or not implemented (``kind="not_implemented"``).
    ``comment`` says why."""

    __slots__ = ("kind", "op", "index", "var", "comment")

    def __init__(self, kind, op, index, var=None, comment=""):
        if kind not in ("undefined", "not_implemented"):
            raise ValueError(f"NullGrad kind must be 'undefined' or 'not_implemented', got {kind!r}")
        self.kind = kind
        self.op = op
        self.index = index
        self.var = var
        self.comment = comment

    def describe(self):
        what = "undefined" if self.kind == "undefined" else "not implemented"
        var = "" if self.var is None else f" ({self.var})"
        s = f"the gradient of {self.op} with respect to its input {self.index}{var} is {what}"
        if self.comment:
            s += f": {self.comment}"
        return s

    def error(self, context=""):
        cls = GradUndefinedError if self.kind == "undefined" else GradNotImplementedError
        msg = self.describe()
        if context:
            msg = f"{context}: {msg}"
        return cls(msg, self)

    def __repr__(self):
        return f"NullGrad({self.kind}, op={self.op}, index={self.index})"


def grad_undefined(op, i, x, comment=""):
    """The gradient of ``op`` wrt its input ``i`` (variable ``x``) is mathematically undefined."""
    return NullGrad("undefined", op, i, x, comment)


def grad_not_implemented(op, i, x, comment=""):
    """The gradient of ``op`` wrt its input ``i`` (variable ``x``) exists but is not implemented."""
    return NullGrad("not_implemented", op, i, x, comment)


class NullGradientError(TypeError):
    """A gradient asked for flows through a ``NullGrad``.  ``.null`` is the marker,
    ``.kind`` its kind."""

    def __init__(self, msg, null=None):
        TypeError.__init__(self, msg)
        self.null = null
        self.kind = None if null is None else null.kind


class GradUndefinedError(NullGradientError, ValueError):
    """The gradient is mathematically undefined (``grad_undefined``)."""


class GradNotImplementedError(NullGradientError, NotImplementedError):
    """The gradient is not implemented (``grad_not_implemented`` or no rule)."""


class DisconnectedInputError(ValueError):
    """``grad`` was asked about a variable the cost does not depend on
    (``disconnected_inputs="raise"``)."""


class MissingTypeHookError(TypeError):
    """A type lacks a method autodiff needs (``grad_seed``, ``zeros_like``, ``add_gradients``)."""
