"""The autodiff tests use only graphcore, autodiff and the toy scalar ops of
``toyops.py`` (importable from this folder)."""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)
