"""inplace passes of tensorsmith_rewriter: elementwise ops that write their
result into the buffer of one of their inputs.

``inplace_elemwise`` (tags ``fast_run``, ``inplace``, ``inplace_elemwise``;
in the ``inplace`` stage, the last, after the last merge: merging two equal
nodes after the pass would give an overwritten value to the readers of its
twin, reading it after it is overwritten or returning it as an output): an
``Elemwise`` node becomes its
in-place variant (``Elemwise(op, inplace_pattern={out: in})``, ``destroy_map
= {out: [in]}``) on the first input that

* has the output's dtype and number of dimensions and is not broadcast
  along a dimension where the output is not (static shapes), and
* the graph's destroy handler (``destroy.py``) lets it overwrite: no input
  of the function, shared value or constant (nor a view of one), no output
  of the graph, no buffer another node overwrites, and every other node
  reading the buffer an ancestor of this one (so it runs first in any
  order the linker picks).

Each check is local (bounded), so the pass is linear in the graph's size.
Exclude it with ``Mode.excluding("inplace")`` (the stage) or
``excluding("inplace_elemwise")``."""
from tensorsmith_graphcore import Apply
from tensorsmith_graphcore.rewrite import node_rewriter
from tensorsmith_tensorops.elemwise import Elemwise

from . import register_inplace, rewrite_db
from .destroy import destroy_handler

__all__ = ["inplace_elemwise", "inplace_candidates"]


def _fits(inp_type, out_type):
    """Whether a buffer of ``inp_type`` can hold a value of ``out_type``
    (statically: at run time the op still checks the shape)."""
    if inp_type.dtype != out_type.dtype:
        return False
    ishape = inp_type.shape
    oshape = out_type.shape
    if len(ishape) != len(oshape):
        return False
    for di, do in zip(ishape, oshape):
        if di == 1 and do != 1:  # the input is broadcast along this dimension
            return False
        if di is not None and do is not None and di != do:
            return False
    return True


def inplace_candidates(fgraph, node):
    """``{output: input}``: the inputs ``node`` (an ``Elemwise``) may
    overwrite, as the destroy handler allows (empty: none)."""
    handler = destroy_handler(fgraph)
    pattern = {}
    inputs = node.inputs
    if len(node.outputs) == 1:
        ot = node.outputs[0].type
        i = 0
        for inp in inputs:
            if _fits(inp.type, ot) and handler.check(node, i) is None:
                pattern[0] = i
                break
            i += 1
        return pattern
    # whether an input may be overwritten does not depend on the output that
    # would take its buffer: asked once per input (a fused node of n inputs
    # and m outputs costs O(n + m * candidates), not O(n * m) checks)
    free = []
    i = 0
    for inp in inputs:
        if handler.check(node, i) is None:
            free.append(i)
        i += 1
    if not free:
        return pattern
    roots = set()
    k = 0
    for out in node.outputs:
        ot = out.type
        for i in free:
            inp = inputs[i]
            if _fits(inp.type, ot):
                # two outputs never overwrite one buffer (an input given
                # twice, or two views of one array)
                root = handler.buffer_root(inp)
                if root not in roots:
                    roots.add(root)
                    pattern[k] = i
                    break
        k += 1
    return pattern


@node_rewriter([Elemwise])
def inplace_elemwise(fgraph, node):
    """An ``Elemwise`` node made in-place on an input it may overwrite."""
    op = node.op
    if op.inplace_pattern:
        return None
    pattern = inplace_candidates(fgraph, node)
    if not pattern:
        return None
    new_op = op.inplace_variant(pattern)
    outs = []
    for o in node.outputs:
        v = o.type.make_variable(o.name)
        outs.append(v)
    Apply(new_op, list(node.inputs), outs)
    return outs


def _register():
    pos = rewrite_db.positions()
    last_merge = max((p for n, p in pos.items() if n.startswith("merge")), default=None)
    if last_merge is not None and pos["inplace"] < last_merge:
        raise RuntimeError("the inplace stage must come after the last merge (see inplace.py)")
    register_inplace(inplace_elemwise, "inplace_elemwise", name="inplace_elemwise")


_register()
