"""The domain: rules and orchestration, independent of any web or CLI framework."""
