"""The JSON Schema accepts every plant the models accept (generated plants of every feature),
as written and as resolved: the schema never refuses a file linesim reads."""

from __future__ import annotations

import json

import jsonschema
from hypothesis import HealthCheck, given, settings

from linesim import schema
from linesim.scenario import Scenario

from .plants import plants

VALIDATOR = jsonschema.Draft202012Validator(json.loads(schema.schema_text("scenario")))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=plants())
def test_every_plant_the_models_accept_the_schema_accepts(data):
    """Generated plants (every feature: networks, products, routing, rework, arrivals,
    conveyors, calendars, every distribution): valid for the models, so valid for the schema,
    as written and as resolved."""
    try:
        scenario = Scenario.model_validate(data)
    except ValueError:
        return
    assert list(VALIDATOR.iter_errors(data)) == []
    assert list(VALIDATOR.iter_errors(scenario.resolved())) == []
