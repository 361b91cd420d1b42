"""Model families shared by the studies."""

from taskdyn.models.recurrent import MODEL_TYPES, RecurrentModel, build_recurrent_model

__all__ = ["MODEL_TYPES", "RecurrentModel", "build_recurrent_model"]
