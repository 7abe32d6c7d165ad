"""Every loaded flow by id and version, read from `dialogs/` and `dialogs/archive/`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bot.flows.loader import FlowError, load_flow
from bot.flows.model import Flow
from bot.vocabulary import Audience, Role


@dataclass(frozen=True)
class FlowRegistry:
    """Every loaded flow by id and version: a talk stays on the version it began with."""

    flows: Mapping[tuple[str, int], Flow]

    def latest(self, flow_id: str) -> Flow:
        versions = [f for (fid, _), f in self.flows.items() if fid == flow_id]
        if not versions:
            raise KeyError(flow_id)
        return max(versions, key=lambda f: f.version)

    def get(self, flow_id: str, version: int) -> Flow | None:
        return self.flows.get((flow_id, version))

    def ids(self) -> list[str]:
        return sorted({fid for fid, _ in self.flows})

    def for_role(self, role: Role | str) -> Flow | None:
        matching = [f for f in self.flows.values() if f.audience is Audience.PARTICIPANT
                    and f.role == role]
        return max(matching, key=lambda f: f.version) if matching else None


def load_registry(directory: Path) -> FlowRegistry:
    """Loads `dialogs/*.flow.yaml` and earlier versions kept in `dialogs/archive/`."""
    paths = sorted(directory.glob("*.flow.yaml")) + sorted(directory.glob("archive/*.flow.yaml"))
    flows: dict[tuple[str, int], Flow] = {}
    problems: list[str] = []
    for path in paths:
        try:
            flow = load_flow(path)
        except FlowError as exc:
            problems.append(str(exc))
            continue
        key = (flow.id, flow.version)
        if key in flows:
            problems.append(f"{path.name}: flow '{flow.id}' v{flow.version} is declared twice")
        flows[key] = flow
    if problems:
        raise FlowError(str(directory), problems)
    if not flows:
        raise FlowError(str(directory), ["holds no *.flow.yaml files"])
    return FlowRegistry(flows)
