"""Search indexes on PostgreSQL only: a GIN index on the tsvector and a trigram GIN index on the
text (pg_trgm, a trusted extension the database owner may create). SQLite needs neither."""

from django.db import migrations

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS search_document_vector_gin ON marketplace_searchdocument USING gin (search_vector)",
    "CREATE INDEX IF NOT EXISTS search_document_text_trgm ON marketplace_searchdocument "
    "USING gin (search_text gin_trgm_ops)",
]
BACKWARD = ["DROP INDEX IF EXISTS search_document_text_trgm", "DROP INDEX IF EXISTS search_document_vector_gin"]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("marketplace", "0001_initial")]
    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
