"""What every connector shares: prices in the channel's currency, issues, results of failed calls."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from decimal import Decimal

from core.money import Money, quantize
from integrations.connectors.base import ChannelConfig, Connector, Issue, ListingData, PushResult
from integrations.http.errors import ChannelError, ChannelRejected

# How a feed names the platform's quality mark, per platform locale, for channels that take it as
# text (Amazon's bullet points, eBay's item specifics); {date} is the day it holds until.
PLATFORM_MARK_TEXT = {
    "en": "Platform quality mark: inspected and verified, valid until {date}",
    "ko": "플랫폼 품질 마크: 검사 및 검증 완료, {date}까지 유효",
    "ja": "プラットフォーム品質マーク：検査・確認済み、{date}まで有効",
    "zh-hans": "平台质量标志：已检验核实，有效期至{date}",
    "de": "Qualitätszeichen der Plattform: geprüft und bestätigt, gültig bis {date}",
}


def platform_mark_text(listing: ListingData, locale: str) -> str:
    """The mark's line in `locale` (English where we have no wording), or "" without a mark."""
    if listing.platform_mark_until is None:
        return ""
    wording = PLATFORM_MARK_TEXT.get(locale, PLATFORM_MARK_TEXT["en"])
    return wording.format(date=listing.platform_mark_until.date().isoformat())


def issue(code: str, attribute: str, message: str, severity: str = "error") -> Issue:
    return Issue(code=code, severity=severity, attribute=attribute, message=message)


def digest(payload) -> str:
    """A stable key for a payload, for calls whose repeat must not apply twice."""
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()[:32]


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


class ChannelConnector(Connector):
    """Base of the five connectors: rules for `GET channels/`, auth headers, currency conversion."""

    RULES: dict = {}
    idempotency_header = "Idempotency-Key"
    # Whether `push` may have several listings' calls in flight at once: only where no answer
    # depends on the order they arrive in (buyKOREA's 50 products per seller account does).
    independent_calls = False

    def __init__(self, config: ChannelConfig, client, rates=None):
        super().__init__(config, client)
        self._rates = rates  # core.selectors.RateTable; loaded on first use when not given

    @classmethod
    def rules(cls) -> dict:
        """The channel's rules as data, shown by `GET channels/`."""
        return dict(cls.RULES)

    @classmethod
    def auth_headers(cls, credentials: dict) -> dict:
        return {}

    @property
    def rates(self):
        if self._rates is None:
            from core.selectors import exchange_rates_get

            self._rates = exchange_rates_get()
        return self._rates

    def price_in(self, listing: ListingData, currency: str) -> Decimal | None:
        """The B2C price in `currency`: an explicit price in it if set, else the base price converted."""
        if currency in listing.prices:
            return quantize(listing.prices[currency], currency)
        if listing.retail_price is None:
            return None
        return self.rates.convert(Money(listing.retail_price, listing.base_currency), currency).amount

    def amount_in(self, amount: Decimal, listing: ListingData, currency: str) -> Decimal:
        return self.rates.convert(Money(amount, listing.base_currency), currency).amount

    @staticmethod
    def weight_kg(listing: ListingData) -> Decimal | None:
        weights = [v.weight_kg for v in listing.variants if v.weight_kg]
        return max(weights) if weights else None

    @staticmethod
    def available(listing: ListingData) -> int:
        return sum(max(0, v.available) for v in listing.variants)

    @staticmethod
    def failed(reference: str, exc: ChannelError) -> PushResult:
        """A call that did not get an answer we can act on: temporary ones are tried again later."""
        if isinstance(exc, ChannelRejected):
            message = json.dumps(exc.body)[:500] if exc.body else exc.detail
            return PushResult(
                reference=reference,
                status="error",
                issues=(issue("channel_error", "", message),),
                temporary=False,
            )
        return PushResult(
            reference=reference,
            status="error",
            issues=(issue("channel_unavailable" if exc.temporary else "channel_error", "", exc.detail),),
            temporary=exc.temporary,
        )

    def push(self, batch: list[ListingData]) -> list[PushResult]:
        """One call per listing (`push_one`), several at once (the client's `each`) where the calls
        are independent; what our own dry run refuses is not sent. Checks and payloads are made
        here, so the calls only talk HTTP."""
        results: list[PushResult | None] = []
        sends = []
        for listing in batch:
            blocking = self.blocking(listing)
            if blocking:
                results.append(PushResult(reference=listing.reference, status="rejected", issues=tuple(blocking)))
            else:
                sends.append((len(results), listing, self.render(listing)))
                results.append(None)
        call = lambda send: self.push_one(send[1], send[2])  # noqa: E731
        answers = self.client.each(call, sends) if self.independent_calls else [call(send) for send in sends]
        for (position, _, _), answer in zip(sends, answers, strict=True):
            results[position] = answer
        return results

    def delisted(self, reference: str, external_id: str, call) -> PushResult:
        """The outcome of one delisting `call()`; a 404 (not, or no longer, listed) is what a delist wants."""
        try:
            response = call()
        except ChannelError as exc:
            return self.failed(reference, exc)
        ok = response.status_code in (200, 404)
        return PushResult(
            reference=reference,
            status="delisted" if ok else "error",
            external_id=external_id,
            issues=() if ok else (issue("channel_error", "", response.text[:500]),),
        )

    def prepare(self, batch: list[ListingData]) -> None:
        """Fetch what `validate` needs from the channel (e.g. Tmall's category schemas); most need nothing."""

    def blocking(self, listing: ListingData) -> list[Issue]:
        return [i for i in self.validate(listing) if i.blocking]
