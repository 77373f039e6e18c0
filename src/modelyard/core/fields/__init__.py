"""Field definitions: the named, typed inputs and outputs that models, pipelines and connectors
declare, and the rules data must follow to fit them. Below every domain that declares fields."""
