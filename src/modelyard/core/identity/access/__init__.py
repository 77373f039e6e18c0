"""Access control: permissions, roles, role assignments, service users.

``require(session, principal, project_name, permission)`` is the one check every project route
goes through (see ``service``); ``known`` answers it from a server's cached lookups; ``rules``
holds the permission vocabulary and built-in roles.
"""

from modelyard.core.identity.access.service import known, require, require_account

__all__ = ["known", "require", "require_account"]
