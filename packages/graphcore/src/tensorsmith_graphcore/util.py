"""``gc_paused``: run a pass over a large graph with the cyclic garbage
collector paused."""
import functools
import gc


class gc_paused:
    """Context manager and decorator: pause the cyclic garbage collector
    (when it is enabled) for the duration.

    A pass that builds or copies a large graph allocates objects that all
    stay alive; a full collection triggered midway costs time proportional
    to the whole heap and finds nothing to free.  Nesting is fine: only the
    outermost pause turns the collector back on."""

    __slots__ = ("_was_enabled",)

    def __enter__(self):
        self._was_enabled = gc.isenabled()
        if self._was_enabled:
            gc.disable()
        return self

    def __exit__(self, *exc):
        if self._was_enabled:
            gc.enable()
        return False

    def __call__(self, fn):
        """``@gc_paused()`` on a function pauses the collector for each call."""

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with gc_paused():
                return fn(*args, **kwargs)

        return wrapper
