"""Cosines on one common scale, so that answer features mean the same for every model.

Cosines of e5 crowd into 0.75-0.9; a linear map puts them on MiniLM's scale, so that one
set of hand-made weights and the fusion weight serve both. Fitted on the medians of right
and wrong answer sentences of the PIAF dev split (bench/cosine_scale.py), before the
learned scorer; the scorer is trained on the mapped values, so the map is part of it.
"""

COSINE_SCALE = {"multilingual-e5-small": (2.21, -1.32)}
IDENTITY = (1.0, 0.0)


def scale_for(model: str) -> tuple[float, float]:
    """(slope, offset) of a model's map; models not listed keep their cosines."""
    return COSINE_SCALE.get(model.removeprefix("intfloat/"), IDENTITY)


def on_common_scale(cosine: float, scale: tuple[float, float]) -> float:
    """A cosine mapped onto the common scale and clipped to [0, 1]."""
    slope, offset = scale
    return min(max(slope * cosine + offset, 0.0), 1.0)
