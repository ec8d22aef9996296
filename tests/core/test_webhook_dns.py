"""DNS rebinding: a webhook delivery connects to the address the URL guard checked, never to a
second lookup's answer (core.urlguard.pinned_request), against the real loopback receiver."""

import json
import socket

import pytest
import urllib3.util.connection

from core.models import WebhookDelivery
from core.urlguard import PinnedHostAdapter
from tests.core.receiver import Receiver
from tests.core.test_webhooks import endpoint_for, record, verify
from tests.factories import company_with_owner

pytestmark = pytest.mark.django_db

PUBLIC = "93.184.215.14"
real_getaddrinfo = socket.getaddrinfo
real_create_connection = urllib3.util.connection.create_connection


class Resolver:
    """Answers for one test host name: `first` to the first lookup, `then` to every later one;
    other names resolve as usual. Counts the lookups of the test name."""

    def __init__(self, name: str, first: str, then: str):
        self.name, self.first, self.then, self.lookups = name, first, then, 0

    def __call__(self, host, port, *args, **kwargs):
        if host != self.name:
            return real_getaddrinfo(host, port, *args, **kwargs)
        self.lookups += 1
        address = self.first if self.lookups == 1 else self.then
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, port))]


class Network:
    """Where the HTTP client opens sockets, each target recorded. Tests open sockets only to
    loopback: the public address is out of reach, or (`public_is_receiver`) routed to the
    loopback receiver, standing in for a public host."""

    def __init__(self):
        self.targets, self.public_is_receiver = [], False

    def create_connection(self, address, *args, **kwargs):
        self.targets.append(address)
        host, port = address
        if host == PUBLIC and self.public_is_receiver:
            host = "127.0.0.1"
        elif host != "127.0.0.1":
            raise ConnectionRefusedError(f"test network: {host} is out of reach")
        return real_create_connection((host, port), *args, **kwargs)


@pytest.fixture
def network(monkeypatch):
    network = Network()
    monkeypatch.setattr(urllib3.util.connection, "create_connection", network.create_connection)
    return network


def test_a_name_rebound_to_loopback_after_the_check_is_never_reached(
    eager,
    settings,
    monkeypatch,
    network,
    django_capture_on_commit_callbacks,
):
    with Receiver() as receiver:
        port = receiver.server.server_address[1]
        company = company_with_owner()
        endpoint_for(company, f"http://hooks.rebind.test:{port}/hook")  # saved where loopback is allowed
        settings.CHANNEL_ALLOW_PRIVATE_URLS = False
        resolver = Resolver("hooks.rebind.test", first=PUBLIC, then="127.0.0.1")
        monkeypatch.setattr(socket, "getaddrinfo", resolver)
        record(django_capture_on_commit_callbacks, [company.pk])

        delivery = WebhookDelivery.objects.get()
        # The check saw the public address; the connection went there, not to the rebound answer.
        assert resolver.lookups == 1
        assert network.targets == [(PUBLIC, port)]
        assert receiver.requests == []
        assert delivery.status == "pending" and delivery.response_status is None
        assert "ConnectionError" in delivery.error

        # The next attempt looks the name up again, now gets loopback, and refuses it.
        from core.webhooks import webhook_delivery_attempt

        assert webhook_delivery_attempt(delivery_id=delivery.pk, now=delivery.next_attempt_at) == "failed"
        delivery.refresh_from_db()
        assert "127.0.0.1" in delivery.error and "loopback" in delivery.error
        assert network.targets == [(PUBLIC, port)] and receiver.requests == []


def test_the_checked_address_gets_the_delivery_with_the_host_name(
    eager,
    settings,
    monkeypatch,
    network,
    django_capture_on_commit_callbacks,
):
    with Receiver() as receiver:
        port = receiver.server.server_address[1]
        company = company_with_owner()
        endpoint = endpoint_for(company, f"http://hooks.pinned.test:{port}/hook")
        settings.CHANNEL_ALLOW_PRIVATE_URLS = False
        network.public_is_receiver = True
        # A later lookup would answer a private address: the delivery never asks again.
        resolver = Resolver("hooks.pinned.test", first=PUBLIC, then="10.9.9.9")
        monkeypatch.setattr(socket, "getaddrinfo", resolver)
        event = record(django_capture_on_commit_callbacks, [company.pk])

        assert resolver.lookups == 1 and network.targets == [(PUBLIC, port)]
        (sent,) = receiver.requests
        assert sent["path"] == "/hook"
        assert sent["headers"]["Host"] == f"hooks.pinned.test:{port}"
        assert json.loads(sent["body"])["id"] == event.webhook_id
        assert verify(endpoint.secret, sent["headers"], sent["body"])
        assert WebhookDelivery.objects.get().status == "succeeded"


def test_tls_keeps_the_host_name_for_sni_and_the_certificate_check():
    adapter = PinnedHostAdapter(hostname="erp.example.com")
    assert adapter.poolmanager.connection_pool_kw["server_hostname"] == "erp.example.com"
    assert adapter.poolmanager.connection_pool_kw["assert_hostname"] == "erp.example.com"


def test_where_loopback_is_allowed_deliveries_go_to_the_receiver_as_named(
    eager, network, django_capture_on_commit_callbacks
):
    with Receiver() as receiver:  # CHANNEL_ALLOW_PRIVATE_URLS is on in tests
        company = company_with_owner()
        endpoint_for(company, receiver.url)
        record(django_capture_on_commit_callbacks, [company.pk])
        port = receiver.server.server_address[1]
        assert network.targets == [("127.0.0.1", port)] and len(receiver.requests) == 1
        assert receiver.requests[0]["headers"]["Host"] == f"127.0.0.1:{port}"
    assert WebhookDelivery.objects.get().status == "succeeded"
