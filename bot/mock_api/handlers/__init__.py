"""The endpoints: X's (reads, posting, media) and the mock's own controls under ``/_mock/``."""
