"""What the tests and the benchmarks share: scenarios, subprocess environments, PostgreSQL
schemas, the daemon and CLI as child processes, the mock's controls, the crash and soak
machinery, and the programs under ``programs/`` that tests run with ``python -m``.

``bench/`` imports this package; nothing here imports ``bench/``. Importing the package
itself imports nothing: the programs under ``programs/`` start with it, and must start
as they did when they were strings.
"""
