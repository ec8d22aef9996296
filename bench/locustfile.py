"""Mixed load for `make load` (scripts/load.sh): storefront browse and search 80%, checkout 15%,
SME writes 5%. SME writes use LOAD_SME_TOKEN (a demo company owner's token, made by the script).

FastHttpUser (geventhttpclient) rather than HttpUser (requests): locust runs on the same two cores as
the server, and requests' client spends several times the CPU per request, which the server then
does not get."""

import os
import random

from locust import FastHttpUser, between, task

WORDS = ["lamp", "tea", "hanji", "bowl", "soap", "wood", "silk", "ginseng"]
ADDRESS = {"name": "Load Test", "lines": ["1 Main St"], "city": "Los Angeles", "postal_code": "90012", "country": "US"}


class Shopper(FastHttpUser):
    wait_time = between(0.0, 0.2)

    def on_start(self):
        page = self.client.get("/api/v1/storefront/products/?page_size=50", name="storefront list").json()
        self.slugs = [p["slug"] for p in page["results"]] or ["none"]
        self.skus = []
        for slug in self.slugs[:10]:
            detail = self.client.get(f"/api/v1/storefront/products/{slug}/", name="storefront detail").json()
            self.skus += [v["sku"] for v in detail.get("variants", []) if v.get("availability") != "out_of_stock"]
        self.sme = {"Authorization": f"Bearer {os.environ['LOAD_SME_TOKEN']}"}
        self.sme_products = [
            p["id"]
            for p in self.client.get("/api/v1/products/", headers=self.sme, name="sme products").json()["results"]
        ]

    @task(40)
    def browse(self):
        page = random.randint(1, 3)
        currency = random.choice(["USD", "EUR", "JPY", "KRW"])
        self.client.get(f"/api/v1/storefront/products/?page={page}&currency={currency}", name="storefront list")
        self.client.get(f"/api/v1/storefront/products/{random.choice(self.slugs)}/", name="storefront detail")

    @task(25)
    def search(self):
        self.client.get(f"/api/v1/storefront/products/?q={random.choice(WORDS)}", name="storefront search")

    @task(15)
    def brands(self):
        self.client.get("/api/v1/storefront/brands/", name="storefront brands")

    @task(15)
    def checkout(self):
        if not self.skus:
            return
        body = {
            "lines": [{"sku": random.choice(self.skus), "quantity": 1}],
            "currency": "USD",
            "email": "load@example.com",
            "shipping_address": ADDRESS,
        }
        with self.client.post("/api/v1/checkouts/", json=body, name="checkout create", catch_response=True) as r:
            if r.status_code >= 500:
                r.failure(f"{r.status_code}")
                return
            if r.status_code != 201:
                r.success()  # out of stock or restricted: a 4xx by design
                return
            checkout = r.json()
        secret = {"X-Checkout-Secret": checkout.get("secret", "")}
        self.client.get(f"/api/v1/checkouts/{checkout['id']}/", headers=secret, name="checkout detail")
        self.client.get(
            f"/api/v1/checkouts/{checkout['id']}/shipping-options/", headers=secret, name="checkout shipping options"
        )

    @task(5)
    def sme_write(self):
        if not self.sme_products:
            return
        pk = random.choice(self.sme_products)
        with self.client.patch(
            f"/api/v1/products/{pk}/",
            json={"lead_time_days": random.randint(3, 30)},
            headers=self.sme,
            name="sme product patch",
            catch_response=True,
        ) as r:
            if r.status_code < 500:
                r.success()  # a 409 for a published product is a refusal by design, not an error
