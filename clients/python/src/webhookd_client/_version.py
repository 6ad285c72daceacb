"""This package's version: the one place it is written besides pyproject.toml, which a test
checks against it (read at import, it must not depend on how the package was installed)."""

__version__ = "0.2.0"
