"""Persistence: the library database (SQLite or PostgreSQL via SQLAlchemy 2), schema
migrations, and the content-addressed store of originals and thumbnails.

The only package that speaks SQL. Everyone else (CLI, UI, exporters, demo) goes through:

    library.db.Library          open a library (database + store), sessions
    library.api                 patients and photos -> frozen rows (library.rows)
    library.course_api          the migraine course: diary, summaries, sessions, notes
    library.consent / audit / trash / backup / verify    the clinic's records and tools
    library.errors.mapped_errors                          database failure -> one sentence
"""
