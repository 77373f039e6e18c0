"""Access control: permissions, roles, role assignments, service users.

``require(session, principal, project_name, permission)`` is the one check every project route
goes through (see ``service``); ``rules`` holds the permission vocabulary and built-in roles.
"""

from modelyard.core.identity.access.service import require, require_account

__all__ = ["require", "require_account"]
