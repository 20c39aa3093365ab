"""Benchmarks: each module exposes ``main()`` that prints its figures next to a reference
measured in the same run. ``python -m bench [NAME ...]`` (``make bench``) runs them; modules
whose name starts with ``_`` are helpers the benchmarks run, not benchmarks."""
