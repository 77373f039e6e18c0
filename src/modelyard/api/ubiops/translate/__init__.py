"""Pure translation between UbiOps wire models and core schemas, one module per area."""

from __future__ import annotations

from modelyard.api.ubiops.protocol import utc_text as timestamp

__all__ = ["timestamp"]
