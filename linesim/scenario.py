"""Scenario: the validated, frozen description of a line — stage two of the data flow.

YAML ─► loader ─► **Scenario** ─► model ─► ...

Pydantic models with unknown keys forbidden and instances frozen. Every quantity is converted
to seconds (durations) or fractions (probabilities) on the way in, so everything downstream works
in SI-like units with no parsing. ``Scenario.resolved()`` gives the plain data with every default
written out; it validates back to an equal scenario.

Knows nothing of files or YAML (the loader does) nor of SimPy (the model does).
"""

from __future__ import annotations

import re
from typing import Annotated, Literal, Optional, Union

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    field_validator,
    model_validator,
)

from .distributions import Exponential, NonNegDuration, PosDuration, RandomDuration, RandomInterval
from .units import DAY, HOUR, YEAR, parse_probability

Probability = Annotated[float, BeforeValidator(parse_probability)]


class PlacedError(ValueError):
    """A validation error that knows the key path below the model that raised it, so that the
    loader can point at the exact key and line (pydantic only knows the model's own place)."""

    def __init__(self, message: str, *where: str | int):
        super().__init__(message)
        self.where = where


def _none_as_empty(value):
    return {} if value is None else value


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Failures(_Frozen):
    """Breakdowns of one station (each of its servers fails independently).

    Give ``mtbf`` and ``mttr``, or ``availability`` and ``mttr`` (then mtbf = mttr·A/(1−A),
    exponential). ``basis: operating`` — the failure clock runs only while the server processes
    (a starved or blocked server cannot fail); ``scheduled`` — it runs whenever the line is
    scheduled to work, whatever the server is doing.
    """

    mtbf: Optional[RandomInterval] = None
    availability: Optional[Annotated[float, BeforeValidator(parse_probability), Field(gt=0, lt=1)]] = None
    mttr: RandomDuration
    basis: Literal["operating", "scheduled"] = "operating"

    @model_validator(mode="after")
    def _complete(self):
        if (self.mtbf is None) == (self.availability is None):
            raise ValueError("give 'mttr' with either 'mtbf' or 'availability' (not both)")
        if self.mttr.mean_s() <= 0:
            raise ValueError("mttr must have a mean > 0")
        if self.mtbf is not None and self.mtbf.mean_s() <= 0:
            raise ValueError("mtbf must have a mean > 0")
        return self

    def mtbf_dist(self):
        """The time-between-failures distribution; derived (exponential) from availability."""
        if self.mtbf is not None:
            return self.mtbf
        a = self.availability
        return Exponential(dist="exponential", mean=self.mttr.mean_s() * a / (1 - a))

    def availability_ratio(self) -> float:
        """A = MTBF / (MTBF + MTTR), over the failure clock's basis."""
        mtbf, mttr = self.mtbf_dist().mean_s(), self.mttr.mean_s()
        return mtbf / (mtbf + mttr)


_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\- ]*$")


class Station(_Frozen):
    name: str
    cycle_time: RandomDuration
    servers: Annotated[int, Field(ge=1, le=1000, strict=True)] = 1
    buffer_after: Annotated[int, Field(ge=0, le=1_000_000, strict=True)] = 0
    failures: Optional[Failures] = None
    scrap: Probability = 0.0

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        if not _NAME_RE.match(v):
            raise ValueError("expected a name of letters, digits, spaces, '.', '_' or '-'")
        return v

    @model_validator(mode="after")
    def _positive_cycle(self):
        if self.cycle_time.mean_s() <= 0:
            raise ValueError("cycle_time must have a mean > 0")
        if self.scrap >= 1:
            raise ValueError("scrap must be < 1 (a station that scraps everything makes nothing)")
        return self

    def availability(self) -> float:
        return self.failures.availability_ratio() if self.failures else 1.0

    def effective_cycle_s(self) -> float:
        """Mean time per part of one server including its failures: ct / A."""
        return self.cycle_time.mean_s() / self.availability()

    def capacity_per_s(self) -> float:
        """Parts per second the station can start, all servers busy, failures included."""
        return self.servers / self.effective_cycle_s()


class ShiftCalendar(_Frozen):
    """A weekly shift pattern laid over a 365-day year.

    Shifts run back to back from ``first_shift_start`` (default 06:00); one break per shift sits
    in its middle. With ``days_per_week`` the first that many days of each week are worked and
    ``holidays_per_year`` worked days are taken out, evenly spread over the year; with
    ``working_days_per_year`` that many days are worked, evenly spread (holidays already out).
    """

    shifts_per_day: Annotated[int, Field(ge=1, le=3, strict=True)]
    shift_length: PosDuration
    breaks_per_shift: NonNegDuration = 0.0
    days_per_week: Optional[Annotated[int, Field(ge=1, le=7, strict=True)]] = None
    working_days_per_year: Optional[Annotated[int, Field(ge=1, le=365, strict=True)]] = None
    holidays_per_year: Annotated[int, Field(ge=0, strict=True)] = 0
    first_shift_start: NonNegDuration = 6 * HOUR
    repairs_off_shift: bool = False

    @model_validator(mode="after")
    def _consistent(self):
        if self.shifts_per_day * self.shift_length > DAY + 1e-9:
            raise ValueError(
                f"{self.shifts_per_day} shifts of {self.shift_length / HOUR:g} h do not fit in a day"
            )
        if self.breaks_per_shift >= self.shift_length:
            raise ValueError("breaks_per_shift must be shorter than shift_length")
        if self.first_shift_start >= DAY:
            raise ValueError("first_shift_start must be within the day (< 24 h)")
        if (self.days_per_week is None) == (self.working_days_per_year is None):
            raise ValueError("give exactly one of 'days_per_week' or 'working_days_per_year'")
        if self.working_days_per_year is not None and self.holidays_per_year:
            raise ValueError(
                "working_days_per_year already excludes holidays; give holidays_per_year only "
                "with days_per_week"
            )
        if self.days_per_week is not None:
            worked = sum(1 for d in range(365) if d % 7 < self.days_per_week)
            if self.holidays_per_year >= worked:
                raise ValueError(
                    f"holidays_per_year ({self.holidays_per_year}) leaves no working day out of "
                    f"{worked}"
                )
        return self


def _calendar_kind(value) -> str:
    return "continuous" if isinstance(value, str) else "shifts"


# `calendar: continuous` or a shift-calendar mapping (tagged so errors name one branch only).
CalendarSpec = Annotated[
    Union[Annotated[Literal["continuous"], Tag("continuous")], Annotated[ShiftCalendar, Tag("shifts")]],
    Discriminator(_calendar_kind),
]


class RunSpec(_Frozen):
    warmup: NonNegDuration = 0.0
    horizon: PosDuration = YEAR
    replications: Annotated[int, Field(ge=1, le=100000, strict=True)] = 10
    seed: Annotated[int, Field(ge=0, strict=True)] = 12345


class Target(_Frozen):
    annual_output: Annotated[float, Field(gt=0, allow_inf_nan=False)]
    confidence: Annotated[float, BeforeValidator(parse_probability), Field(gt=0, lt=1)] = 0.9


class Scenario(_Frozen):
    name: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")]
    description: str = ""
    unit: str = "part"
    calendar: CalendarSpec = "continuous"
    stations: Annotated[list[Station], Field(min_length=1)]
    run: Annotated[RunSpec, BeforeValidator(_none_as_empty)] = RunSpec()
    target: Optional[Target] = None

    @field_validator("stations")
    @classmethod
    def _unique_names(cls, stations: list[Station]) -> list[Station]:
        seen: set[str] = set()
        for st in stations:
            if st.name in seen:
                raise ValueError(f"station name {st.name!r} is used twice")
            seen.add(st.name)
        return stations

    @model_validator(mode="after")
    def _last_buffer(self):
        # The last station's buffer_after has nowhere to lead; refuse rather than ignore it.
        if self.stations and self.stations[-1].buffer_after:
            last = self.stations[-1]
            raise PlacedError(
                f"the last station {last.name!r} has buffer_after {last.buffer_after}, but nothing "
                "follows it (the last station is never blocked); remove it",
                "stations", len(self.stations) - 1, "buffer_after",
            )
        return self

    def resolved(self) -> dict:
        """Plain data with every default written out (round-trips through validation)."""
        return self.model_dump(mode="json")

    def with_run(self, **changes) -> "Scenario":
        """A copy with run-block fields replaced (command-line overrides), re-validated."""
        data = self.resolved()
        data["run"].update({k: v for k, v in changes.items() if v is not None})
        return Scenario.model_validate(data)
