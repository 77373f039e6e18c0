"""Pure translation between the Leia wire and the core: ``requests`` (query and body into the
core's requests), ``lists`` (pages with ``Content-Range``)."""
