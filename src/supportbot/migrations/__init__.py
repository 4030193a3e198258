"""The Alembic migrations: env.py and versions/, the only place tables are created or changed."""
