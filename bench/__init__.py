"""Benchmarks that print figures (not tests): each runs as ``python -m bench.NAME`` from the
checkout's root; ``make bench`` runs them all."""
