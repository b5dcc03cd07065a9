from .function import Function, In, Out, UnusedInputError, function  # noqa: F401
from .mode import Mode, get_default_mode, get_mode  # noqa: F401
