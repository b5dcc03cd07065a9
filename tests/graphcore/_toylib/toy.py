"""A tiny toy type system and op set over Python floats/ints, written only
against the graphcore protocols.  ``make_toy(g)`` builds it for one graphcore
implementation ``g`` (compiled module or its pure-Python copy).

This folder is registered as a library path, so the traces of nodes made by
these ops point at the test line that called the op."""
import types


def make_toy(g):
    class Scalar(g.Type):
        """kind: "float" or "int"."""

        __props__ = ("kind",)

        def __init__(self, kind="float"):
            if kind not in ("float", "int"):
                raise ValueError(kind)
            self.kind = kind

        def filter(self, value, strict=False, allow_downcast=None):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise TypeError(f"expected a {self.kind} number, got {type(value).__name__}")
            if self.kind == "int":
                if isinstance(value, float) and (strict or value != int(value)):
                    raise TypeError(f"expected an int, got float {value!r}")
                return int(value)
            return float(value)

        def convert_variable(self, var):
            if var.type == self:
                return var
            return None

    fscalar = Scalar("float")
    iscalar = Scalar("int")

    def as_var(x):
        if isinstance(x, g.Variable):
            return x
        if isinstance(x, (int, float)) and not isinstance(x, bool):
            t = iscalar if isinstance(x, int) else fscalar
            return t.make_constant(x)
        raise TypeError(f"cannot make a toy variable from {type(x).__name__}")

    def out_type(*vs):
        return fscalar if any(v.type == fscalar for v in vs) else iscalar

    class Binary(g.Op):
        __props__ = ()
        fn = None

        def make_node(self, a, b):
            a = as_var(a)
            b = as_var(b)
            return g.Apply(self, [a, b], [out_type(a, b).make_variable()])

        def perform(self, node, inputs, out):
            out[0][0] = self.fn(inputs[0], inputs[1])

    class Add(Binary):
        @staticmethod
        def fn(a, b):
            return a + b

    class Mul(Binary):
        @staticmethod
        def fn(a, b):
            return a * b

    class Div(Binary):
        @staticmethod
        def fn(a, b):
            return a / b  # ZeroDivisionError on 0: used to test error notes

    class Neg(g.Op):
        __props__ = ()

        def make_node(self, a):
            a = as_var(a)
            return g.Apply(self, [a], [a.type.make_variable()])

        def perform(self, node, inputs, out):
            out[0][0] = -inputs[0]

    class AddC(g.Op):
        """x + c with a parameter (value semantics through __props__)."""

        __props__ = ("c",)

        def __init__(self, c):
            self.c = c

        def make_node(self, a):
            a = as_var(a)
            return g.Apply(self, [a], [a.type.make_variable()])

        def perform(self, node, inputs, out):
            out[0][0] = inputs[0] + self.c

    class DivMod(g.Op):
        """Two outputs."""

        __props__ = ()

        def make_node(self, a, b):
            a = as_var(a)
            b = as_var(b)
            t = out_type(a, b)
            return g.Apply(self, [a, b], [t.make_variable(), t.make_variable()])

        def perform(self, node, inputs, out):
            q, r = divmod(inputs[0], inputs[1])
            out[0][0] = q
            out[1][0] = r

    class ToFloat(g.Op):
        __props__ = ()

        def make_node(self, a):
            a = as_var(a)
            return g.Apply(self, [a], [fscalar.make_variable()])

        def perform(self, node, inputs, out):
            out[0][0] = float(inputs[0])

    class Boom(g.Op):
        """Raises in perform."""

        __props__ = ()

        def make_node(self, a):
            a = as_var(a)
            return g.Apply(self, [a], [a.type.make_variable()])

        def perform(self, node, inputs, out):
            raise ValueError("boom in perform")

    return types.SimpleNamespace(
        g=g, Scalar=Scalar, fscalar=fscalar, iscalar=iscalar, as_var=as_var,
        Add=Add, Mul=Mul, Div=Div, Neg=Neg, AddC=AddC, DivMod=DivMod, ToFloat=ToFloat,
        Boom=Boom,
        add=Add(), mul=Mul(), div=Div(), neg=Neg(), divmod=DivMod(), to_float=ToFloat(),
        boom=Boom(),
    )
