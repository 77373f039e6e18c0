"""Identity: users, organizations, projects, subscriptions, API tokens and the principal."""
