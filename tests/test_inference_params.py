"""The inference parameters: defaults written once, every field checked at the boundary."""

from __future__ import annotations

import dataclasses

import pytest

from lineage.errors import ParameterError
from lineage.inference import InferenceParams


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("near_identical", 1.5, r"'near_identical' must be in \[0, 1\] \(got 1.5\)"),
        ("min_confidence", -0.1, r"'min_confidence' must be in \[0, 1\]"),
        ("ngram", 0, r"'ngram' must be a whole number >= 1 \(got 0\)"),
        ("choice_scale", "steep", r"'choice_scale' must be a number"),
        ("choice_scale", float("nan"), r"'choice_scale' must be a number"),
    ],
)
def test_bad_values_are_refused_with_the_field_named(field, value, message):
    with pytest.raises(ParameterError, match=message):
        InferenceParams(**{field: value})


def test_parameters_are_frozen_and_every_field_is_documented():
    params = InferenceParams()
    with pytest.raises(dataclasses.FrozenInstanceError):
        params.root_weight = 0.5  # type: ignore[misc]
    doc = InferenceParams.__doc__ or ""
    for item in dataclasses.fields(InferenceParams):
        assert item.name in doc, f"{item.name} is not documented"
