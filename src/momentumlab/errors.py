"""Errors the library raises on bad input."""


class ConfigError(ValueError):
    """A study or simulation was asked for with values outside what is allowed."""
