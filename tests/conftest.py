"""Shared pytest configuration (kept minimal: each test folder owns its fixtures)."""
import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
