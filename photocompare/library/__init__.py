"""Persistence: the library database (SQLite or PostgreSQL via SQLAlchemy 2), schema
migrations, and the content-addressed store of originals and thumbnails."""
