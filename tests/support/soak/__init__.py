"""The fault soak: ``run_soak`` (in ``run``) drives the daemon against a faulty, sped-up
mock; ``checks`` says whether everything it promised held. bench/soak.py prints it;
tests/test_soak.py and tests/test_crash_matrix.py assert on it."""
