"""Printing graphs: ``debugprint`` (one line per node, indented by depth) and
``pprint`` (an infix expression)."""
import sys

from tensorsmith_graphcore import Constant, Variable

__all__ = ["debugprint", "dprint", "pprint"]


def _label(v, ids):
    if v.owner is None:
        kind = "Constant" if isinstance(v, Constant) else "Input"
        return f"{v} [{kind} {v.type}]"
    node = v.owner
    tag = ids.setdefault(node, len(ids))
    out = f".{v.index}" if len(node.outputs) > 1 else ""
    nm = f" '{v.name}'" if v.name else ""
    return f"{node.op}{out} [id {tag}]{nm} {v.type}"


def debugprint(obj, file=None, depth=-1, print_type=True, max_indent_depth=32):
    """Print the graph of a variable, a list of variables, a FunctionGraph or
    a compiled function, one node per line, each input indented under its
    node.  Returns the text when ``file="str"``, else ``obj``.

    The output grows linearly with the graph.  A node printed once is
    referred to afterwards by its ``[id N]``, marked "(see above)".
    Indentation stops at ``max_indent_depth`` levels: a node with inputs
    that would be printed deeper is marked "(continued below)", and its
    subgraph is printed after the current tree, from indentation 0, starting
    with the same ``[id N]``.  ``depth`` (when >= 0) limits the depth
    printed, counted in the graph, not in indentation.  Iterative: no
    recursion however deep the graph."""
    if hasattr(obj, "fgraph") and not isinstance(obj, Variable):
        outs = list(obj.fgraph.outputs)
    elif hasattr(obj, "outputs") and hasattr(obj, "clients"):
        outs = list(obj.outputs)
    elif isinstance(obj, (list, tuple)):
        outs = list(obj)
    else:
        outs = [obj]
    cap = max(int(max_indent_depth), 1)
    ids = {}
    done = set()  # nodes whose inputs are printed
    pending = set()  # nodes marked "(continued below)" and not printed yet
    prefixes = [""]  # prefixes[k]: what a line at indentation k starts with
    lines = []
    for out in outs:
        roots = [(out, 0)]  # (variable, its depth): trees printed from indentation 0
        r = 0
        while r < len(roots):
            stack = [(roots[r][0], roots[r][1], 0)]
            r += 1
            while stack:
                v, d, k = stack.pop()
                line = prefixes[k] + _label(v, ids)
                node = v.owner
                if node is not None and node in done:
                    lines.append(line + " (see above)")
                    continue
                if node is None or (depth >= 0 and d >= depth):
                    lines.append(line)
                    continue
                if k >= cap:
                    lines.append(line + " (continued below)")
                    if node not in pending:
                        pending.add(node)
                        roots.append((v, d))
                    continue
                lines.append(line)
                done.add(node)
                pending.discard(node)
                if k + 1 == len(prefixes):
                    prefixes.append(" " * len(prefixes[k]) + " |")
                for inp in reversed(node.inputs):
                    stack.append((inp, d + 1, k + 1))
    text = "\n".join(lines)
    if file == "str":
        return text
    print(text, file=file or sys.stdout)
    return obj


dprint = debugprint

_INFIX = {"add": "+", "sub": "-", "mul": "*", "true_div": "/", "pow": "**", "floor_div": "//",
          "mod": "%", "lt": "<", "gt": ">", "le": "<=", "ge": ">=", "eq": "==", "neq": "!="}


def pprint(v):
    """An infix rendering of the expression of ``v`` (iterative)."""
    memo = {}
    stack = [(v, False)]
    while stack:
        x, ready = stack.pop()
        if x in memo:
            continue
        node = x.owner
        if node is None:
            memo[x] = str(x)
            continue
        if not ready:
            stack.append((x, True))
            for i in node.inputs:
                if i not in memo:
                    stack.append((i, False))
            continue
        args = [memo[i] for i in node.inputs]
        name = str(node.op)
        sym = _INFIX.get(name)
        if sym and len(args) >= 2:
            memo[x] = "(" + f" {sym} ".join(args) + ")"
        elif name == "neg":
            memo[x] = f"-{args[0]}"
        else:
            memo[x] = f"{name}({', '.join(args)})"
    return memo[v]
