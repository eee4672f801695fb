"""distillgen: compile a declarative fine-tuning task spec into a ready-to-run project."""

__version__ = "0.1.0"
