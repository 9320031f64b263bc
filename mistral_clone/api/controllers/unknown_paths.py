"""Unknown paths under ``/`` and ``/v2``: 404 whatever the method, as in
Mistral 23, whose root controllers are plain objects. Ours are pecan
RestControllers, which answer 405 to a request they cannot route: GET
finds ``get_one``, the other methods reach ``_lookup`` (pecan tries it
after a 405)."""

import pecan


class NotFoundBelow:
    """Mixin for a RestController whose children are its attributes."""

    @pecan.expose()
    def get_one(self, *remainder):
        pecan.abort(404)

    @pecan.expose()
    def _lookup(self, name, *remainder):
        """404 for a name that is not a child; a child's own answer (a 405
        of a resource that lacks the method) stands."""
        if not hasattr(getattr(self, name, None), "_route"):
            pecan.abort(404)
