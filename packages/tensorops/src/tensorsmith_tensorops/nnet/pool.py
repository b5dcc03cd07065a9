"""Pooling: ``max_pool2d``/``avg_pool2d`` (the ``Pool`` op and its gradient
ops ``MaxPoolGrad``, ``MaxPoolGradGrad``, ``AvgPoolGrad``)."""
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from tensorsmith_autodiff import disconnected, register_grad, register_jvp
from tensorsmith_graphcore import Apply, Op

from ..basic import as_tensor_variable
from ..math import zeros_like
from ..type import TensorType
from ._utils import _as_float, _keep_dtype, _ntuple

__all__ = ["max_pool2d", "avg_pool2d", "Pool", "MaxPoolGrad", "MaxPoolGradGrad", "AvgPoolGrad"]


# ---------------------------------------------------------------------------
# pooling
# ---------------------------------------------------------------------------


class _PoolBase(Op):
    """Pooling over the last ``len(kernel)`` axes: ``kernel``, ``stride``,
    ``padding`` (symmetric), ``mode`` ("max" or "avg"), ``count_include_pad``."""

    __props__ = ("mode", "kernel", "stride", "padding", "count_include_pad")

    def __init__(self, mode, kernel, stride, padding, count_include_pad=True):
        self.mode = mode
        self.kernel = tuple(kernel)
        self.stride = tuple(stride)
        self.padding = tuple(padding)
        self.count_include_pad = bool(count_include_pad)

    def _params(self):
        return (self.mode, self.kernel, self.stride, self.padding, self.count_include_pad)

    def __str__(self):
        return (f"{type(self).__name__}{{{self.mode}, kernel={self.kernel}, stride={self.stride}, "
                f"padding={self.padding}}}")

    @property
    def nd(self):
        return len(self.kernel)

    def _out_shape(self, spatial):
        return tuple(None if L is None else (L + 2 * p - k) // s + 1
                     for L, k, s, p in zip(spatial, self.kernel, self.stride, self.padding))

    def _sym_out_shape(self, xshape):
        nd = self.nd
        lead, spatial = tuple(xshape[:-nd]), xshape[-nd:]
        return lead + tuple((L + (2 * p - k)) // s + 1
                            for L, k, s, p in zip(spatial, self.kernel, self.stride, self.padding))

    def _pad(self, x, value):
        nd = self.nd
        pads = ((0, 0),) * (x.ndim - nd) + tuple((p, p) for p in self.padding)
        if not any(self.padding):
            return x
        return np.pad(x, pads, constant_values=value)

    def _windows(self, xp):
        """(..., *out, *kernel) view of the windows of the padded input."""
        nd = self.nd
        axes = tuple(range(xp.ndim - nd, xp.ndim))
        v = sliding_window_view(xp, self.kernel, axis=axes)
        return v[(Ellipsis,) + tuple(slice(None, None, s) for s in self.stride) + (slice(None),) * nd]

    def _divisor(self, spatial):
        """The number each window sum is divided by (avg mode), broadcastable to the output."""
        if self.count_include_pad or not any(self.padding):
            return float(np.prod(self.kernel))
        ones = self._pad(np.ones(spatial), 0.0)
        w = self._windows(ones)
        return w.sum(axis=tuple(range(-self.nd, 0)))

    def _max_index(self, x):
        """Flat indices into the padded input (batch axes flattened first) of each
        window's maximum, and the padded shape (B, *padded)."""
        nd = self.nd
        fill = -np.inf if x.dtype.kind == "f" else (np.iinfo(x.dtype).min if x.dtype.kind in "iu" else False)
        xp = self._pad(x, fill)
        lead = x.shape[:-nd]
        b = int(np.prod(lead))
        xp = xp.reshape((b,) + xp.shape[-nd:])
        w = self._windows(xp)
        out_sp = w.shape[1:1 + nd]
        flat = w.reshape((b,) + out_sp + (-1,))
        kidx = np.argmax(flat, axis=-1)
        kk = np.unravel_index(kidx, self.kernel)
        pos = []
        for i in range(nd):
            o = np.arange(out_sp[i]).reshape((1,) * (1 + i) + (-1,) + (1,) * (nd - 1 - i))
            pos.append(o * self.stride[i] + kk[i])
        bidx = np.arange(b).reshape((-1,) + (1,) * nd)
        lin = np.ravel_multi_index((np.broadcast_to(bidx, kidx.shape),) + tuple(pos), xp.shape)
        return lin, xp.shape, lead, out_sp


class Pool(_PoolBase):
    """Max or average pooling of the last ``len(kernel)`` axes (PyTorch
    semantics: floor output size, zero padding counted in averages when
    ``count_include_pad``, padding ignored by max)."""

    def make_node(self, x):
        x = as_tensor_variable(x)
        if self.mode == "avg":
            x = _as_float(x, "avg_pool")
        if x.type.dtype.startswith("complex"):
            raise TypeError(f"{self.mode}_pool: complex inputs are not supported, got {x.type}")
        nd = self.nd
        if x.type.ndim < nd:
            raise TypeError(f"{self.mode}_pool{nd}d needs at least {nd} dimensions, got {x.type}")
        spatial = x.type.shape[-nd:]
        out_sp = self._out_shape(spatial)
        if any(o is not None and o < 1 for o in out_sp):
            raise ValueError(f"{self.mode}_pool{nd}d: input {x.type} is smaller than the kernel {self.kernel}")
        return Apply(self, [x], [TensorType(x.type.dtype, x.type.shape[:-nd] + out_sp).make_variable()])

    def infer_shape(self, fgraph, node, input_shapes):
        return [self._sym_out_shape(input_shapes[0])]

    def perform(self, node, inputs, output_storage):
        x = inputs[0]
        nd = self.nd
        if any(L + 2 * p < k for L, k, p in zip(x.shape[-nd:], self.kernel, self.padding)):
            raise ValueError(f"{self}: input of shape {x.shape} is smaller than the kernel {self.kernel}")
        red = tuple(range(-nd, 0))
        if self.mode == "max":
            if x.size == 0:
                shape = x.shape[:-nd] + self._out_shape(x.shape[-nd:])
                r = np.zeros(shape, dtype=x.dtype)
            else:
                fill = -np.inf if x.dtype.kind == "f" else (
                    np.iinfo(x.dtype).min if x.dtype.kind in "iu" else False)
                r = self._windows(self._pad(x, fill)).max(axis=red)
        else:
            r = self._windows(self._pad(x, 0)).sum(axis=red) / self._divisor(x.shape[-nd:])
        output_storage[0][0] = np.asarray(r, dtype=node.outputs[0].type.dtype)


class MaxPoolGrad(_PoolBase):
    """``MaxPoolGrad(x, gz)``: ``gz`` sent to the position of each window's maximum."""

    def make_node(self, x, gz):
        x, gz = as_tensor_variable(x), as_tensor_variable(gz)
        return Apply(self, [x, gz], [TensorType(gz.type.dtype, x.type.shape).make_variable()])

    def perform(self, node, inputs, output_storage):
        x, gz = inputs
        dt = node.outputs[0].type.dtype
        if x.size == 0:
            output_storage[0][0] = np.zeros(x.shape, dtype=dt)
            return
        lin, pshape, lead, out_sp = self._max_index(x)
        gp = np.bincount(lin.ravel(), weights=gz.reshape(lin.shape).ravel(), minlength=int(np.prod(pshape)))
        gp = gp.reshape(pshape)
        nd = self.nd
        crop = tuple(slice(p, p + L) for p, L in zip(self.padding, x.shape[-nd:]))
        output_storage[0][0] = np.asarray(gp[(slice(None),) + crop].reshape(x.shape), dtype=dt)

    def infer_shape(self, fgraph, node, input_shapes):
        return [input_shapes[0]]


class MaxPoolGradGrad(_PoolBase):
    """``MaxPoolGradGrad(x, gg)``: ``gg`` (shaped as ``x``) read at each window's
    maximum position (the adjoint of ``MaxPoolGrad`` in its second input)."""

    def make_node(self, x, gg):
        x, gg = as_tensor_variable(x), as_tensor_variable(gg)
        nd = self.nd
        out = x.type.shape[:-nd] + self._out_shape(x.type.shape[-nd:])
        return Apply(self, [x, gg], [TensorType(gg.type.dtype, out).make_variable()])

    def perform(self, node, inputs, output_storage):
        x, gg = inputs
        nd = self.nd
        dt = node.outputs[0].type.dtype
        if x.size == 0:
            output_storage[0][0] = np.zeros(x.shape[:-nd] + self._out_shape(x.shape[-nd:]), dtype=dt)
            return
        lin, pshape, lead, out_sp = self._max_index(x)
        gp = self._pad(gg, 0).reshape(pshape)
        output_storage[0][0] = np.asarray(gp.ravel()[lin].reshape(lead + out_sp), dtype=dt)

    def infer_shape(self, fgraph, node, input_shapes):
        return [self._sym_out_shape(input_shapes[0])]


class AvgPoolGrad(_PoolBase):
    """``AvgPoolGrad(gz, x)``: each window's gradient spread evenly over it
    (``x`` used for its shape only)."""

    def make_node(self, gz, x):
        gz, x = as_tensor_variable(gz), as_tensor_variable(x)
        return Apply(self, [gz, x], [TensorType(gz.type.dtype, x.type.shape).make_variable()])

    def connection_pattern(self, node):
        return [[True], [False]]

    def perform(self, node, inputs, output_storage):
        gz, x = inputs
        nd = self.nd
        spatial = x.shape[-nd:]
        g = gz / self._divisor(spatial)
        padded = tuple(L + 2 * p for L, p in zip(spatial, self.padding))
        out = np.zeros(x.shape[:-nd] + padded, dtype=node.outputs[0].type.dtype)
        out_sp = gz.shape[-nd:]
        for kk in np.ndindex(*self.kernel):
            sl = tuple(slice(kk[i], kk[i] + self.stride[i] * (out_sp[i] - 1) + 1, self.stride[i])
                       for i in range(nd))
            out[(Ellipsis,) + sl] += g
        crop = tuple(slice(p, p + L) for p, L in zip(self.padding, spatial))
        output_storage[0][0] = np.ascontiguousarray(out[(Ellipsis,) + crop])

    def infer_shape(self, fgraph, node, input_shapes):
        return [input_shapes[1]]


@register_grad(Pool)
def _pool_grad(op, node, inputs, g):
    (x,) = inputs
    if not x.type.differentiable:
        return [disconnected]
    if op.mode == "max":
        return [_keep_dtype(MaxPoolGrad(*op._params())(x, g[0]), x)]
    return [_keep_dtype(AvgPoolGrad(*op._params())(g[0], x), x)]


@register_grad(MaxPoolGrad)
def _max_pool_grad_grad(op, node, inputs, g):
    x, gz = inputs
    # piecewise constant in x: zero gradient almost everywhere
    return [zeros_like(x), _keep_dtype(MaxPoolGradGrad(*op._params())(x, g[0]), gz)]


@register_grad(MaxPoolGradGrad)
def _max_pool_grad_grad_grad(op, node, inputs, g):
    x, gg = inputs
    return [zeros_like(x), _keep_dtype(MaxPoolGrad(*op._params())(x, g[0]), gg)]


@register_grad(AvgPoolGrad)
def _avg_pool_grad_grad(op, node, inputs, g):
    gz, x = inputs
    return [_keep_dtype(Pool(*op._params())(g[0]), gz), disconnected]


@register_jvp(Pool)
def _pool_jvp(op, node, inputs, t):
    if t[0] is None:
        return [None]
    if op.mode == "avg":
        return [op(t[0])]
    return [MaxPoolGradGrad(*op._params())(inputs[0], t[0])]


def _pool(mode, x, kernel_size, stride, padding, count_include_pad, nd=2):
    what = f"{mode}_pool{nd}d"
    kernel = _ntuple(kernel_size, nd, f"{what}: kernel_size", 1)
    stride = kernel if stride is None else _ntuple(stride, nd, f"{what}: stride", 1)
    padding = _ntuple(padding, nd, f"{what}: padding", 0)
    if any(2 * p > k for p, k in zip(padding, kernel)):
        raise ValueError(f"{what}: padding {padding} must be at most half the kernel size {kernel}")
    return Pool(mode, kernel, stride, padding, count_include_pad)(x)


def max_pool2d(x, kernel_size, stride=None, padding=0):
    """Max pooling over the last two axes (``torch.nn.functional.max_pool2d``):
    ``stride`` defaults to ``kernel_size``; padding is ignored by the max.
    The gradient goes to the position of each window's maximum (the first
    one on ties)."""
    return _pool("max", x, kernel_size, stride, padding, True)


def avg_pool2d(x, kernel_size, stride=None, padding=0, count_include_pad=True):
    """Average pooling over the last two axes (``torch.nn.functional.avg_pool2d``):
    zero padding counts in the average unless ``count_include_pad=False``."""
    return _pool("avg", x, kernel_size, stride, padding, count_include_pad)
