"""Documents and the models that read them (the Leia dialect's domain): documents an
application uploads, document models (a zip with ``leia_model.json``), and the apply and train
jobs that run those models on documents through the durable queue."""
