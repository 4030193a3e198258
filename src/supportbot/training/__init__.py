"""Training: support logs → supervised data → the default model and LoRA fine-tunes, evaluated
before and after, run as retraining jobs with versions, promotion and rollback."""
