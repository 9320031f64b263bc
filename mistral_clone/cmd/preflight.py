"""Checks made before any service starts, so that a set-up that cannot
work stops the server with one line naming the option, and nothing half
started: the API's listening address is the one address a service binds
(the others reach RabbitMQ and the database as clients)."""

from mistral_clone.api import address


def check(service_names) -> None:
    if "api" in service_names:
        address.check_api_address()
