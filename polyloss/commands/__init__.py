"""Subcommands of the ``polyloss`` command line, one module each (see :mod:`polyloss.cli`)."""
