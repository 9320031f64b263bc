"""The event engine service: starts the workflows of event triggers when
their notifications arrive over oslo.messaging."""
