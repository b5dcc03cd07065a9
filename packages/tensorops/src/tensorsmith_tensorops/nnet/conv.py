"""Convolutions: ``conv1d``/``conv2d``/``conv3d`` (PyTorch layout and
semantics: cross-correlation, NC[D]HW input, (out_ch, in_ch/groups, k...)
filters).

They run as im2col (a strided window view) followed by one ``np.einsum``
contraction; their gradients are ops of their own (``ConvGradInput``: a
transposed convolution, ``ConvGradFilters``: the correlation of the input
with the output gradient), each differentiable again, so higher-order
gradients close over the three ops."""
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from tensorsmith_autodiff import disconnected, register_grad, register_jvp
from tensorsmith_graphcore import Apply, Op

from ..basic import as_tensor_variable
from ..type import TensorType
from ._utils import _common_float, _keep_dtype, _ntuple

__all__ = ["conv1d", "conv2d", "conv3d", "Conv", "ConvGradInput", "ConvGradFilters"]


# ---------------------------------------------------------------------------
# convolution
# ---------------------------------------------------------------------------

_OUT_LETTERS = "xyz"
_K_LETTERS = "ijk"


def _resolve_pad(padding, kshape, dilation):
    """((lo, hi), ...) per spatial axis; "same" splits ``d (k - 1)`` as PyTorch."""
    if padding == "same":
        res = []
        for k, d in zip(kshape, dilation):
            total = d * (k - 1)
            res.append((total // 2, total - total // 2))
        return tuple(res)
    return padding


def _out_len(length, k, s, d, lo, hi):
    return (length + lo + hi - d * (k - 1) - 1) // s + 1


class _ConvBase(Op):
    """Shared parameters of ``Conv`` and its gradient ops: ``nd`` spatial axes,
    ``stride``, ``padding`` ("same" or ((lo, hi), ...)), ``dilation``, ``groups``."""

    __props__ = ("nd", "stride", "padding", "dilation", "groups")

    def __init__(self, nd, stride, padding, dilation, groups):
        self.nd = int(nd)
        self.stride = tuple(stride)
        self.padding = padding if padding == "same" else tuple(tuple(p) for p in padding)
        self.dilation = tuple(dilation)
        self.groups = int(groups)

    def _params(self):
        return (self.nd, self.stride, self.padding, self.dilation, self.groups)

    def __str__(self):
        return (f"{type(self).__name__}{{{self.nd}d, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, groups={self.groups}}}")

    # -- shared NumPy pieces -------------------------------------------------
    def _pads(self, kshape):
        return _resolve_pad(self.padding, kshape, self.dilation)

    def _cols(self, x, kshape, what):
        """im2col: a (N, G, C/G, *out, *k) array of input windows."""
        nd = self.nd
        pads = self._pads(kshape)
        xp = np.pad(x, ((0, 0), (0, 0)) + pads) if any(p != (0, 0) for p in pads) else x
        span = tuple(d * (k - 1) + 1 for k, d in zip(kshape, self.dilation))
        if any(L < s for L, s in zip(xp.shape[2:], span)):
            raise ValueError(f"{what}: input of shape {x.shape} (padded {xp.shape}) is smaller than the "
                             f"dilated kernel {span}")
        v = sliding_window_view(xp, span, axis=tuple(range(2, 2 + nd)))
        sl = (slice(None),) * 2 + tuple(slice(None, None, s) for s in self.stride) + tuple(
            slice(None, None, d) for d in self.dilation)
        v = v[sl]
        n, c = x.shape[:2]
        g = self.groups
        return v.reshape((n, g, c // g) + v.shape[2:])

    def _subs(self):
        return _OUT_LETTERS[:self.nd], _K_LETTERS[:self.nd]

    def _check_channels(self, xshape, wshape, what):
        g = self.groups
        if xshape[1] != wshape[1] * g or wshape[0] % g:
            raise ValueError(f"{what}: input of shape {xshape} and filters of shape {wshape} do not match "
                             f"with groups={g} (need in_channels == filters.shape[1] * groups and "
                             "out_channels divisible by groups)")


class Conv(_ConvBase):
    """N-d cross-correlation, PyTorch semantics: input (N, C, *spatial),
    filters (O, C/groups, *kernel), output (N, O, *out)."""

    def make_node(self, x, w):
        x, w = _common_float([x, w], "conv")
        nd = self.nd
        if x.type.ndim != nd + 2 or w.type.ndim != nd + 2:
            raise TypeError(f"conv{nd}d: input and filters must be {nd + 2}-d, got {x.type} and {w.type}")
        xs, ws = x.type.shape, w.type.shape
        g = self.groups
        if xs[1] is not None and ws[1] is not None and xs[1] != ws[1] * g:
            raise ValueError(f"conv{nd}d: input has {xs[1]} channels but filters {w.type} with groups={g} "
                             f"expect {ws[1] * g}")
        if ws[0] is not None and ws[0] % g:
            raise ValueError(f"conv{nd}d: out_channels {ws[0]} is not divisible by groups={g}")
        out = [xs[0], ws[0]]
        for i in range(nd):
            L, k = xs[2 + i], ws[2 + i]
            if self.padding == "same":
                out.append(L)
            elif L is None or k is None:
                out.append(None)
            else:
                lo, hi = self.padding[i]
                o = _out_len(L, k, self.stride[i], self.dilation[i], lo, hi)
                if o < 1:
                    raise ValueError(f"conv{nd}d: input {x.type} is too small for filters {w.type} "
                                     f"(padding={self.padding}, dilation={self.dilation})")
                out.append(o)
        return Apply(self, [x, w], [TensorType(x.type.dtype, tuple(out)).make_variable()])

    def infer_shape(self, fgraph, node, input_shapes):
        xs, ws = input_shapes
        out = [xs[0], ws[0]]
        for i in range(self.nd):
            if self.padding == "same":
                out.append(xs[2 + i])
            else:
                lo, hi = self.padding[i]
                d, s = self.dilation[i], self.stride[i]
                out.append((xs[2 + i] + (lo + hi - 1 + d) - ws[2 + i] * d) // s + 1)
        return [tuple(out)]

    def perform(self, node, inputs, output_storage):
        x, w = inputs
        self._check_channels(x.shape, w.shape, str(self))
        cols = self._cols(x, w.shape[2:], str(self))
        g = self.groups
        wr = w.reshape((g, w.shape[0] // g) + w.shape[1:])
        o, k = self._subs()
        r = np.einsum(f"ngc{o}{k},gfc{k}->ngf{o}", cols, wr, optimize=True)
        r = r.reshape((x.shape[0], w.shape[0]) + r.shape[3:])
        output_storage[0][0] = np.asarray(r, dtype=node.outputs[0].type.dtype)


class ConvGradInput(_ConvBase):
    """Gradient of ``Conv`` wrt its input (a transposed convolution):
    ``ConvGradInput(gz, w, x)``, ``x`` used for its shape only."""

    def make_node(self, gz, w, x):
        gz, w = as_tensor_variable(gz), as_tensor_variable(w)
        x = as_tensor_variable(x)
        return Apply(self, [gz, w, x], [TensorType(gz.type.dtype, x.type.shape).make_variable()])

    def connection_pattern(self, node):
        return [[True], [True], [False]]

    def perform(self, node, inputs, output_storage):
        gz, w, x = inputs
        nd, g = self.nd, self.groups
        self._check_channels(x.shape, w.shape, str(self))
        kshape = w.shape[2:]
        pads = self._pads(kshape)
        n, c = x.shape[:2]
        gr = gz.reshape((n, g, w.shape[0] // g) + gz.shape[2:])
        wr = w.reshape((g, w.shape[0] // g) + w.shape[1:])
        o, k = self._subs()
        cols = np.einsum(f"ngf{o},gfc{k}->ngc{o}{k}", gr, wr, optimize=True)
        cols = cols.reshape((n, c) + cols.shape[3:])
        padded = tuple(L + lo + hi for L, (lo, hi) in zip(x.shape[2:], pads))
        out_sp = gz.shape[2:]
        xg = np.zeros((n, c) + padded, dtype=node.outputs[0].type.dtype)
        # one strided add per kernel position (not per pixel)
        for kk in np.ndindex(*kshape):
            sl = tuple(slice(kk[i] * self.dilation[i], kk[i] * self.dilation[i]
                             + self.stride[i] * (out_sp[i] - 1) + 1, self.stride[i]) for i in range(nd))
            xg[(slice(None), slice(None)) + sl] += cols[(slice(None),) * (2 + nd) + kk]
        crop = tuple(slice(lo, lo + L) for L, (lo, hi) in zip(x.shape[2:], pads))
        output_storage[0][0] = np.ascontiguousarray(xg[(slice(None), slice(None)) + crop])

    def infer_shape(self, fgraph, node, input_shapes):
        return [input_shapes[2]]


class ConvGradFilters(_ConvBase):
    """Gradient of ``Conv`` wrt its filters (the correlation of the input with
    the output gradient): ``ConvGradFilters(x, gz, w)``, ``w`` used for its shape only."""

    def make_node(self, x, gz, w):
        x, gz, w = as_tensor_variable(x), as_tensor_variable(gz), as_tensor_variable(w)
        return Apply(self, [x, gz, w], [TensorType(gz.type.dtype, w.type.shape).make_variable()])

    def connection_pattern(self, node):
        return [[True], [True], [False]]

    def perform(self, node, inputs, output_storage):
        x, gz, w = inputs
        g = self.groups
        self._check_channels(x.shape, w.shape, str(self))
        cols = self._cols(x, w.shape[2:], str(self))
        gr = gz.reshape((x.shape[0], g, w.shape[0] // g) + gz.shape[2:])
        o, k = self._subs()
        r = np.einsum(f"ngc{o}{k},ngf{o}->gfc{k}", cols, gr, optimize=True)
        output_storage[0][0] = np.asarray(r.reshape(w.shape), dtype=node.outputs[0].type.dtype)

    def infer_shape(self, fgraph, node, input_shapes):
        return [input_shapes[2]]


@register_grad(Conv)
def _conv_grad(op, node, inputs, g):
    x, w = inputs
    gz = g[0]
    p = op._params()
    return [_keep_dtype(ConvGradInput(*p)(gz, w, x), x), _keep_dtype(ConvGradFilters(*p)(x, gz, w), w)]


@register_jvp(Conv)
def _conv_jvp(op, node, inputs, t):
    x, w = inputs
    terms = []
    if t[0] is not None:
        terms.append(op(t[0], w))
    if t[1] is not None:
        terms.append(op(x, t[1]))
    if not terms:
        return [None]
    return [terms[0] if len(terms) == 1 else terms[0] + terms[1]]


@register_grad(ConvGradInput)
def _conv_grad_input_grad(op, node, inputs, g):
    gz, w, x = inputs
    gg = g[0]
    p = op._params()
    return [_keep_dtype(Conv(*p)(gg, w), gz), _keep_dtype(ConvGradFilters(*p)(gg, gz, w), w), disconnected]


@register_grad(ConvGradFilters)
def _conv_grad_filters_grad(op, node, inputs, g):
    x, gz, w = inputs
    gg = g[0]
    p = op._params()
    return [_keep_dtype(ConvGradInput(*p)(gz, gg, x), x), _keep_dtype(Conv(*p)(x, gg), gz), disconnected]


def _conv(nd, input, filters, stride, padding, dilation, groups):
    what = f"conv{nd}d"
    stride = _ntuple(stride, nd, f"{what}: stride", 1)
    dilation = _ntuple(dilation, nd, f"{what}: dilation", 1)
    if not isinstance(groups, (int, np.integer)) or groups < 1:
        raise ValueError(f"{what}: groups must be a positive int, got {groups!r}")
    if isinstance(padding, str):
        if padding == "valid":
            pads = ((0, 0),) * nd
        elif padding == "same":
            if any(s != 1 for s in stride):
                raise ValueError(f"{what}: padding='same' needs stride 1 (as PyTorch), got stride={stride}")
            pads = "same"
        else:
            raise ValueError(f"{what}: padding must be 'valid', 'same', an int or a tuple, got {padding!r}")
    else:
        pads = tuple((p, p) for p in _ntuple(padding, nd, f"{what}: padding", 0))
    return Conv(nd, stride, pads, dilation, groups)(input, filters)


def conv1d(input, filters, stride=1, padding="valid", dilation=1, groups=1):
    """1-d cross-correlation as ``torch.nn.functional.conv1d``: input
    (N, C, L), filters (O, C/groups, K) -> (N, O, L_out).  ``padding``:
    "valid", "same" (stride 1), an int or a 1-tuple (zeros on both sides)."""
    return _conv(1, input, filters, stride, padding, dilation, groups)


def conv2d(input, filters, stride=1, padding="valid", dilation=1, groups=1):
    """2-d cross-correlation as ``torch.nn.functional.conv2d``: input
    (N, C, H, W), filters (O, C/groups, KH, KW) -> (N, O, H_out, W_out).
    ``stride``/``dilation``: int or pair; ``padding``: "valid", "same"
    (stride 1), an int or a pair (zeros on both sides)."""
    return _conv(2, input, filters, stride, padding, dilation, groups)


def conv3d(input, filters, stride=1, padding="valid", dilation=1, groups=1):
    """3-d cross-correlation as ``torch.nn.functional.conv3d`` (N, C, D, H, W)."""
    return _conv(3, input, filters, stride, padding, dilation, groups)


