"""Pure translations between the registry's wire shapes and the tracking core's schemas."""
