"""Alembic migrations, shipped inside the package so an installed countermark can upgrade its store."""
