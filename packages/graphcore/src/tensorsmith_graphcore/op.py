"""The ``Op`` and ``Type`` protocols.

Ops and types are value objects: equality and hash come from the parameters
listed in ``__props__``, which is what merging equal nodes and cache keys rely
on.  They are ordinary Python classes, meant to be subclassed."""
from .graph import Apply, Constant, Variable, user_location


class _PropsMixin:
    __props__ = ()

    def _props(self):
        return tuple(getattr(self, p) for p in self.__props__)

    def _props_dict(self):
        return {p: getattr(self, p) for p in self.__props__}

    def __eq__(self, other):
        if self is other:
            return True
        return type(self) is type(other) and self._props() == other._props()

    def __ne__(self, other):
        return not self.__eq__(other)

    def __hash__(self):
        return hash((type(self), self._props()))

    def __str__(self):
        props = self._props()
        name = type(self).__name__
        if not props:
            return name
        return f"{name}{{{', '.join(f'{p}={v!r}' for p, v in zip(self.__props__, props))}}}"

    __repr__ = __str__


class Op(_PropsMixin):
    """An operation.  Subclasses define:

    * ``__props__``: names of the attributes that define the op (value semantics);
    * ``make_node(*inputs) -> Apply``: check inputs, infer output types;
    * ``perform(node, inputs, output_storage)``: the reference implementation:
      compute from the input values and store output ``i`` in
      ``output_storage[i][0]``;
    * optionally ``infer_shape``, ``connection_pattern``, ``default_output``.

    Gradient rules are registered in autodiff's registry (or given as an
    ``L_op``/``grad`` method)."""

    default_output = None
    #: Optional fixed input and output types (lists of Type instances): the
    #: default ``make_node`` then checks the inputs against ``itypes`` and
    #: makes outputs of ``otypes``.
    itypes = None
    otypes = None

    def make_node(self, *inputs):
        if self.itypes is None or self.otypes is None:
            raise NotImplementedError(f"{type(self).__name__}.make_node (or itypes/otypes)")
        if len(inputs) != len(self.itypes):
            raise TypeError(f"{self} takes {len(self.itypes)} inputs, got {len(inputs)}")
        checked = []
        for i, (x, t) in enumerate(zip(inputs, self.itypes)):
            if not isinstance(x, Variable):
                conv = getattr(t, "constant_from_value", None)
                if conv is None:
                    raise TypeError(f"{self}: input {i} must be a symbolic variable of type {t}, got {x!r}")
                x = conv(x)
            if x.type != t:
                y = t.convert_variable(x)
                if y is None:
                    raise TypeError(f"{self}: input {i} must have type {t}, got {x.type}")
                x = y
            checked.append(x)
        return Apply(self, checked, [t.make_variable() for t in self.otypes])

    def perform(self, node, inputs, output_storage):
        raise NotImplementedError(f"{type(self).__name__} has no Python implementation (perform)")

    def __call__(self, *inputs, **kwargs):
        node = self.make_node(*inputs, **kwargs)
        if self.default_output is not None:
            return node.outputs[self.default_output]
        if len(node.outputs) == 1:
            return node.outputs[0]
        return list(node.outputs)

    def short_name(self):
        return type(self).__name__


class Type(_PropsMixin):
    """The type of a variable.  Subclasses define:

    * ``filter(value, strict=False, allow_downcast=None)``: return ``value``
      converted to this type's storage form, or raise ``TypeError`` saying what
      was expected and what came;
    * ``__props__`` for equality;
    * optionally ``variable_type``/``constant_type`` (the Python classes of its
      variables), ``convert_variable`` and ``constant_signature``."""

    variable_type = Variable
    constant_type = Constant

    def filter(self, value, strict=False, allow_downcast=None):
        raise NotImplementedError(f"{type(self).__name__}.filter")

    def is_valid_value(self, value):
        try:
            self.filter(value, strict=True)
            return True
        except (TypeError, ValueError):
            return False

    def make_variable(self, name=None):
        """A new variable of this type (no trace is recorded: used by ops)."""
        return self.variable_type(self, None, None, name)

    def __call__(self, name=None):
        """A new input variable of this type, remembering the user's line."""
        v = self.variable_type(self, None, None, name)
        v._trace = user_location()
        return v

    def make_constant(self, value, name=None):
        c = self.constant_type(self, self.filter(value), name)
        c._trace = user_location()
        return c

    def convert_variable(self, var):
        """``var`` as a variable of this type if that is a safe re-typing, else None."""
        if var.type == self:
            return var
        return None

    def values_eq(self, a, b):
        return a == b
