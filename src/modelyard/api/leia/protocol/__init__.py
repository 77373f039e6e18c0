"""Wire models of the Leia dialect. Responses are the core's schemas, whose field names are
Leia's; the bodies the SDK sends are in ``bodies``."""
