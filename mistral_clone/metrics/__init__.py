"""Prometheus metrics: definitions, the places that count, and where they
are served.

Each process has its own registry (prometheus_client's default one): the
api serves it at ``/metrics`` (``api``), the other services on a port of
their own (``ports``). Metrics of a service are defined in the module
named for it, the instrumented code calls one small function there; a
labelled child that the hot path uses is looked up once and kept.

Labels hold bounded sets only: route templates (``routes``), states,
registered action names (``actions``), error classes, RPC method names;
never an execution id or user-written text.
"""
