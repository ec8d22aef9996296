"""The search document carries its product's publishing time, so a search orders its matches
without reading the products (docs/decisions/0037); filled in from the products."""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def fill(apps, schema_editor):
    Product = apps.get_model("listings", "Product")
    SearchDocument = apps.get_model("marketplace", "SearchDocument")
    published_at = Product.objects.filter(pk=OuterRef("product_id")).values("published_at")[:1]
    SearchDocument.objects.update(published_at=Subquery(published_at))


class Migration(migrations.Migration):
    dependencies = [("marketplace", "0029_search_text_without_statistics"), ("listings", "0001_initial")]
    operations = [
        migrations.AddField(
            model_name="searchdocument",
            name="published_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
