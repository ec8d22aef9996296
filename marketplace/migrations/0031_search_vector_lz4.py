"""Search vectors compressed with lz4 where the PostgreSQL server has it (issue 16, bench/README.md
"All branches merged"). A search ranks every match (`ts_rank`), which reads each match's vector:
stored pglz-compressed (1.3 kB on average), decompressing 2,000 of them took about 10 ms of a
21 ms page statement; the same vectors with lz4, 0.6-0.9 ms. Only the column's method for new
values changes (no rewrite, no lock beyond the ALTER's moment): a document gets lz4 when it is next
written (every product change refreshes it). A server built without lz4 keeps pglz."""

from django.db import migrations

TABLE = "marketplace_searchdocument"


def _compression(method):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(
                "SELECT %s = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'", [method]
            )
            (available,) = cursor.fetchone() or (False,)
        if available:
            schema_editor.execute(f"ALTER TABLE {TABLE} ALTER COLUMN search_vector SET COMPRESSION {method}")

    return run


class Migration(migrations.Migration):
    dependencies = [("marketplace", "0030_search_document_published_at")]
    operations = [migrations.RunPython(_compression("lz4"), _compression("pglz"))]
