"""Flows: the talks declared as data in `dialogs/`, loaded, validated and drawn."""

from bot.flows.loader import PLACEHOLDERS, FlowError, load_flow
from bot.flows.model import (
    FIELD_ID_PATTERN,
    MAX_CALLBACK_DATA,
    MAX_FIELD_ID,
    MAX_OPTION_VALUE,
    MAX_OPTIONS,
    MAX_STEP_ID,
    OPTION_VALUE_PATTERN,
    STEP_ID_PATTERN,
    Branch,
    Field,
    Flow,
    LocalText,
    Option,
    Step,
    StepKind,
)
from bot.flows.registry import FlowRegistry, load_registry

__all__ = [
    "FIELD_ID_PATTERN",
    "MAX_CALLBACK_DATA",
    "MAX_FIELD_ID",
    "MAX_OPTIONS",
    "MAX_OPTION_VALUE",
    "MAX_STEP_ID",
    "OPTION_VALUE_PATTERN",
    "PLACEHOLDERS",
    "STEP_ID_PATTERN",
    "Branch",
    "Field",
    "Flow",
    "FlowError",
    "FlowRegistry",
    "LocalText",
    "Option",
    "Step",
    "StepKind",
    "load_flow",
    "load_registry",
]
