"""Cosines on one common scale, so that answer features mean the same for every model.

Cosines of e5 crowd into 0.75-0.9; a linear map puts them on MiniLM's scale, so that one
set of hand-made weights and the fusion weight serve both. Fitted on the medians of right
and wrong answer sentences of the PIAF train split, 300 sampled questions (medians: MiniLM
0.539 right, 0.431 wrong; e5 0.854, 0.792), by bench/cosine_scale.py:
    .venv/bin/python bench/cosine_scale.py ../shared/eval/piaf-train/questions.jsonl \\
        data/train-fit/piaf-train-minilm data/train/piaf-train
(it was (2.21, -1.32), fitted on piaf-dev: no dev split is read to fit it now). The learned
scorer is trained on the mapped values (bench/train_scorer.py), so the map is part of it.
"""

COSINE_SCALE = {"multilingual-e5-small": (1.75, -0.96)}
IDENTITY = (1.0, 0.0)


def scale_for(model: str) -> tuple[float, float]:
    """(slope, offset) of a model's map; models not listed keep their cosines."""
    return COSINE_SCALE.get(model.removeprefix("intfloat/"), IDENTITY)


def on_common_scale(cosine: float, scale: tuple[float, float]) -> float:
    """A cosine mapped onto the common scale and clipped to [0, 1]."""
    slope, offset = scale
    return min(max(slope * cosine + offset, 0.0), 1.0)
