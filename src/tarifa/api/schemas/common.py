"""Types the resources share."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel as _Base
from pydantic import BeforeValidator, ConfigDict, PlainSerializer, WithJsonSchema


def _no_float(value: Any) -> Any:
    if isinstance(value, float):
        raise ValueError('money is a decimal string such as "12.50", never a JSON number')
    return value


#: An amount: a decimal string in, a decimal string out.
Amount = Annotated[
    Decimal,
    BeforeValidator(_no_float),
    PlainSerializer(str, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "pattern": r"^-?\d+(\.\d+)?$", "examples": ["11.89"]}),
]


class Public(_Base):
    """A response body, read from tarifa's own objects."""

    model_config = ConfigDict(from_attributes=True)


class Body(_Base):
    """A request body: unknown fields are refused (a typo is an error, not silence)."""

    model_config = ConfigDict(extra="forbid")
