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


def debugprint(obj, file=None, depth=-1, print_type=True):
    """Print the graph of a variable, a list of variables, a FunctionGraph or
    a compiled function, one node per line (iterative; shared sub-graphs are
    printed once and referred to by id afterwards).  Returns the text when
    ``file="str"``."""
    if hasattr(obj, "fgraph") and not isinstance(obj, Variable):
        outs = list(obj.fgraph.outputs)
    elif hasattr(obj, "outputs") and hasattr(obj, "clients"):
        outs = list(obj.outputs)
    elif isinstance(obj, (list, tuple)):
        outs = list(obj)
    else:
        outs = [obj]
    ids = {}
    done = set()
    lines = []
    for out in outs:
        stack = [(out, 0, "")]
        while stack:
            v, d, prefix = stack.pop()
            line = prefix + _label(v, ids)
            node = v.owner
            if node is not None and node in done:
                lines.append(line + " (see above)" if node is not None else line)
                continue
            lines.append(line)
            if node is None or (depth >= 0 and d >= depth):
                continue
            done.add(node)
            for inp in reversed(node.inputs):
                stack.append((inp, d + 1, " " * (len(prefix)) + " |"))
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
