"""Subcommands of ``triobot``: one module each, each with ``register(subparsers)``."""
