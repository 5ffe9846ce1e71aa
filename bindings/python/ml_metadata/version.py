"""The version of the mlmd Python binding (the C library's version)."""

__version__ = '0.1.0'
