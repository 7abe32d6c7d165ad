"""Flows: the talks declared as data in `dialogs/`, loaded, validated and drawn."""

from bot.flows.loader import FlowError, FlowRegistry, load_flow, load_registry
from bot.flows.model import Branch, Field, Flow, Option, Step, StepKind

__all__ = [
    "Branch",
    "Field",
    "Flow",
    "FlowError",
    "FlowRegistry",
    "Option",
    "Step",
    "StepKind",
    "load_flow",
    "load_registry",
]
