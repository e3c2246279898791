"""The matter standard (事项标准): matters, materials, time limits, scope catalogue, negative lists."""

from yima.standard.loader import configured_standard, load_standard
from yima.standard.model import MatterStandard

__all__ = ["MatterStandard", "configured_standard", "load_standard"]
