"""The scheduler's and the trigger services' metrics: durable timers
(wait-before/after, retry delays, timeouts, owed cron starts) due and
fired, cron trigger and event trigger firings."""

import prometheus_client

SUCCESS = "success"
ERROR = "error"

TIMERS_FIRED = prometheus_client.Counter(
    "mistral_scheduler_timers_fired_total",
    "Durable timers this scheduler ran, by outcome (error: the call "
    "failed and was dropped, as Mistral drops it).",
    ["outcome"])
CRON_FIRINGS = prometheus_client.Counter(
    "mistral_cron_trigger_firings_total",
    "Executions started by cron triggers from this process.")
EVENT_FIRINGS = prometheus_client.Counter(
    "mistral_event_trigger_firings_total",
    "Event triggers fired by this event engine, by outcome (error: the "
    "engine refused the start; a start left for a later delivery is not "
    "counted).",
    ["outcome"])

_fired = {outcome: TIMERS_FIRED.labels(outcome)
          for outcome in (SUCCESS, ERROR)}
_event_firings = {outcome: EVENT_FIRINGS.labels(outcome)
                  for outcome in (SUCCESS, ERROR)}


def timer_fired(failed: bool = False) -> None:
    _fired[ERROR if failed else SUCCESS].inc()


def cron_fired() -> None:
    CRON_FIRINGS.inc()


def event_trigger_fired(failed: bool = False) -> None:
    _event_firings[ERROR if failed else SUCCESS].inc()
