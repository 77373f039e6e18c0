"""The cluster of the celery executor: worker machines, the instances placed on them, and the
controller that places them (DESIGN.md §3). Nothing here runs unless ``MODELYARD_EXECUTOR`` is
``celery``; the embedded default never imports it."""
