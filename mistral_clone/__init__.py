"""mistral-clone: the Mistral v2 workflow service on native threads."""

from mistral_clone import _threads

# Before anything imports oslo.messaging/oslo.service (see ``_threads``).
_threads.prefer_threads()
