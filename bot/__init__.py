"""pollbot's faces and wiring: CLI, configuration, daemon, platform clients, the mock X API."""
