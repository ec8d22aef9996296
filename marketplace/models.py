from django.contrib.postgres.search import SearchVectorField
from django.db import models

from listings.models import Product


class SearchDocument(models.Model):
    """The storefront's search text of a published product: titles, descriptions, brand and
    company names in every locale. On PostgreSQL a stored tsvector (GIN index) ranks full-text
    matches and a trigram index on the text serves CJK words and typos; on SQLite the text is
    matched plainly. Kept current from listings' product_changed signal."""

    product = models.OneToOneField(Product, on_delete=models.CASCADE, primary_key=True, related_name="search_document")
    search_text = models.TextField()
    search_vector = SearchVectorField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"search document of product {self.product_id}"
