"""Checks made before any service starts, so that a set-up that cannot
work stops the server with one line naming the option, and nothing half
started: the API's listening address is the one address a service binds
(the others reach RabbitMQ and the database as clients)."""

from mistral_clone import keystone_trusts
from mistral_clone.api import address

# The services that fire triggers, with their trusts when auth is on.
FIRING_SERVICES = ("scheduler", "event-engine")


def check(service_names) -> None:
    if "api" in service_names:
        address.check_api_address()
    if keystone_trusts.enabled() and \
            set(FIRING_SERVICES).intersection(service_names):
        keystone_trusts.shared().check()
