"""``scipy.special``, imported when first used rather than with the package.

Importing ``scipy.special`` takes about a quarter of a second (it loads its
array-API layer), a third of ``import tensorsmith``; most graphs use none of
its functions.  ``special`` stands for the module (an attribute read imports
it); ``special_ufunc(name)``, set as a class attribute of a scalar op
(``ufunc = special_ufunc("gammainc")``), becomes the ufunc itself on the
first read, in the class that owns it."""
import importlib

__all__ = ["special", "special_ufunc"]


class _LazyModule:
    __slots__ = ("_name", "_mod")

    def __init__(self, name):
        object.__setattr__(self, "_name", name)
        object.__setattr__(self, "_mod", None)

    def __getattr__(self, attr):
        mod = self._mod
        if mod is None:
            mod = importlib.import_module(self._name)
            object.__setattr__(self, "_mod", mod)
        return getattr(mod, attr)

    def __repr__(self):
        return f"<lazily imported module {self._name}>"


special = _LazyModule("scipy.special")


class special_ufunc:
    """A class attribute that is ``scipy.special.<name>`` once read."""

    def __init__(self, name):
        self.__name__ = name
        self.attr = None

    def __set_name__(self, owner, attr):
        self.attr = attr

    def __get__(self, obj, owner=None):
        uf = getattr(special, self.__name__)
        if owner is not None and self.attr is not None and owner.__dict__.get(self.attr) is self:
            setattr(owner, self.attr, uf)  # later reads are plain attribute reads
        return uf

    def __repr__(self):
        return f"<scipy.special.{self.__name__}, imported on first use>"
