"""Pure translations between the Lightly wire and the core schemas."""
