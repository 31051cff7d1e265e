"""What pollbot keeps: SQLAlchemy 2 models, engine and sessions, queries, migrations."""
