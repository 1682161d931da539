"""Scenario: the validated, frozen description of a line — stage two of the data flow.

YAML ─► loader ─► **Scenario** ─► model ─► ...

Pydantic models with unknown keys forbidden and instances frozen. Every quantity is converted
to seconds (durations) or fractions (probabilities) on the way in, so everything downstream works
in SI-like units with no parsing. ``Scenario.resolved()`` gives the plain data with every default
written out; it validates back to an equal scenario.

Knows nothing of files or YAML (the loader does) nor of SimPy (the model does).
"""

from __future__ import annotations

import unicodedata
from typing import Annotated, Literal, Optional, Union

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    PlainSerializer,
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

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"mtbf": "8 h", "mttr": {"dist": "exponential", "mean": "10 min"}},
        {"availability": 0.95, "mttr": "3 min", "basis": "scheduled"}]})

    mtbf: Optional[RandomInterval] = Field(None, description=(
        "Mean time between failures of each server, counted on the failure clock's basis; a "
        "bare duration is an exponential with that mean, or give any distribution. Give either "
        "mtbf or availability."))
    availability: Optional[Annotated[float, BeforeValidator(parse_probability), Field(gt=0, lt=1)]] = Field(
        None, description=(
            "Share of the basis time a server is not down, A = MTBF / (MTBF + MTTR); with mttr "
            "it sets an exponential MTBF = MTTR * A / (1 - A). Give either availability or mtbf."))
    mttr: RandomDuration = Field(description=(
        "Time to repair, from the failure to the end of the repair (a bare duration is "
        "constant; exponential is the usual choice)."))
    basis: Literal["operating", "scheduled"] = Field("operating", description=(
        "operating: the failure clock runs only while the server processes (a starved or "
        "blocked server cannot fail); scheduled: it runs whenever the line is scheduled to "
        "work, whatever the server is doing."))

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


# -- names -------------------------------------------------------------------------------------
# Names of stations, products and calendars appear in YAML flow lists (`inputs: [A, B]`), in
# dotted overrides, in tables and on the terminal; the scenario name also names the result folder.
# Letters of any script are allowed (station names in Chinese are normal); punctuation that YAML
# flow syntax or a shell would read, control and invisible characters are not.
NAME_MAX = 100
FOLDER_NAME_MAX_BYTES = 180  # the scenario name as a folder: room left in a 255-byte file name
NAME_RULE = ("letters (any script, Chinese included), digits, spaces, '.', '_' or '-', starting "
             f"with a letter or digit, not ending with a space, at most {NAME_MAX} characters")
SCENARIO_NAME_RULE = (
    "letters (any script, Chinese included), digits, '.', '_' or '-', starting with a letter or "
    f"digit, not ending with '.', no '..', at most {NAME_MAX} characters ({FOLDER_NAME_MAX_BYTES} "
    "bytes in UTF-8, 60 Chinese characters), and not a name Windows reserves (CON, PRN, AUX, NUL, "
    "COM1-COM9, LPT1-LPT9): it names the result folder")
_WINDOWS_RESERVED = frozenset({"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)),
                               *(f"LPT{i}" for i in range(1, 10))})


def _name_chars_ok(value: str, extra: str) -> bool:
    """Starts with a letter or decimal digit; then letters, marks (accents, vowel signs of
    Indic scripts), decimal digits or one of ``extra``."""
    if not value or len(value) > NAME_MAX:
        return False
    first = unicodedata.category(value[0])
    if not (first.startswith("L") or first == "Nd"):
        return False
    for ch in value[1:]:
        cat = unicodedata.category(ch)
        if not (cat[0] in "LM" or cat == "Nd" or ch in extra):
            return False
    return True


def is_valid_name(value: str) -> bool:
    """A station, product or calendar name (see NAME_RULE)."""
    return isinstance(value, str) and _name_chars_ok(value, " ._-") and not value.endswith(" ")


def check_name(value: str, what: str = "name") -> str:
    if not is_valid_name(value):
        raise ValueError(f"{what} {_shown(value)}: expected {NAME_RULE}")
    return value


def scenario_name_problem(value: str) -> Optional[str]:
    """Why ``value`` cannot be a scenario name (a folder name on Linux, macOS and Windows), or
    None. Windows reserves CON, NUL, ... with any extension (``nul.txt``), in any case."""
    if not (isinstance(value, str) and _name_chars_ok(value, "._-")):
        return f"expected {SCENARIO_NAME_RULE}"
    if ".." in value or value.endswith("."):
        return f"no '..' and no '.' at the end (Windows drops it): expected {SCENARIO_NAME_RULE}"
    if len(value.encode("utf-8")) > FOLDER_NAME_MAX_BYTES:
        return (f"{len(value.encode('utf-8'))} bytes in UTF-8, too long for a folder name: "
                f"expected {SCENARIO_NAME_RULE}")
    if value.split(".")[0].upper() in _WINDOWS_RESERVED:
        return f"a name Windows reserves for a device: expected {SCENARIO_NAME_RULE}"
    return None


def _shown(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:59] + "…"


UNIT_MAX = 40
UNIT_RULE = (f"printable text of 1 to {UNIT_MAX} characters (any script), no control characters, "
             "no space at either end")

UNLIMITED = "unlimited"
Capacity = Union[Annotated[int, Field(ge=0, le=1_000_000, strict=True)], Literal["unlimited"]]


class Rework(_Frozen):
    """A fraction of the parts finished here goes back to an upstream station ``to``, through
    an unlimited rework lane (a finite lane in a loop could deadlock the line)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"to": "paint", "fraction": "5%"}]})

    to: str = Field(description="The upstream station the reworked parts go back to (by name).")
    fraction: Annotated[float, BeforeValidator(parse_probability), Field(gt=0, lt=1)] = Field(
        description="Share of the parts finished here that go back (drawn per part).")


class ConveyorSpec(_Frozen):
    """An accumulating conveyor to the next station instead of a buffer: each part travels
    ``transfer_time`` (on scheduled time) and waits at the end; at most ``capacity`` parts on
    it, moving or waiting (the upstream station is blocked while it is full)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"transfer_time": "3 min", "capacity": 12}]})

    transfer_time: PosDuration = Field(description=(
        "Time a part travels from this station to the end of the conveyor (runs on scheduled "
        "time only)."))
    capacity: Annotated[int, Field(ge=1, le=1_000_000, strict=True)] = Field(description=(
        "Parts on the conveyor at once, moving or waiting at its end."))


class Arrivals(_Frozen):
    """Parts arrive at a source station from outside with random interarrival times.

    They wait in an input queue of ``queue`` places (default unlimited). When it is full,
    ``when_full: block`` stops the arrival process until a place frees (its clock pauses: the
    next interarrival time starts then); ``lose`` turns the arrival away (counted as lost).
    """

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"interarrival": "40 s", "queue": 20, "when_full": "lose"}]})

    interarrival: RandomInterval = Field(description=(
        "Time between arrivals; a bare duration is an exponential with that mean (a Poisson "
        "stream), or give any distribution."))
    queue: Capacity = Field(UNLIMITED, description=(
        "Places in the input queue in front of the source: a number, or unlimited."))
    when_full: Literal["block", "lose"] = Field("block", description=(
        "When the queue is full: block pauses the arrival clock until a place frees; lose turns "
        "the part away (counted in lost)."))

    @model_validator(mode="after")
    def _positive(self):
        if self.interarrival.mean_s() <= 0:
            raise ValueError("interarrival must have a mean > 0")
        return self


class Products(_Frozen):
    """Product variants and the order sources release them in: a random ``mix`` (fractions) or
    a repeating ``sequence`` (a heijunka pattern). Every source gives each new part a variant."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"mix": {"L7": 0.4, "L8": 0.3, "L9": 0.3}}, {"sequence": ["L8", "L8", "L7"]}]})

    mix: Optional[dict[str, Annotated[float, BeforeValidator(parse_probability)]]] = Field(
        None, description=(
            "Variant name -> its share of the parts, drawn at random per part (the shares sum to "
            "1). Give mix or sequence."))
    sequence: Optional[Annotated[list[str], Field(min_length=1)]] = Field(None, description=(
        "A pattern of variant names released in turn and repeated (a heijunka sequence). Give "
        "mix or sequence."))

    @model_validator(mode="after")
    def _one(self):
        given = self.mix if self.mix is not None else self.sequence
        if given is None or (self.mix is not None and self.sequence is not None):
            raise ValueError("give exactly one of 'mix' (fractions) or 'sequence' (a pattern)")
        for i, name in enumerate(given):
            if not is_valid_name(name):
                where = ("mix", name) if self.mix is not None else ("sequence", i)
                raise PlacedError(f"product name {_shown(name)}: expected {NAME_RULE}", *where)
        if self.mix is not None:
            if not self.mix:
                raise ValueError("mix names no variant")
            if abs(sum(self.mix.values()) - 1.0) > 1e-9:
                raise ValueError(f"mix fractions sum to {sum(self.mix.values()):g}, not 1")
        return self

    @property
    def names(self) -> list[str]:
        if self.mix is not None:
            return list(self.mix)
        return list(dict.fromkeys(self.sequence))

    def shares(self) -> dict[str, float]:
        """Long-run fraction of each variant."""
        if self.mix is not None:
            return dict(self.mix)
        n = len(self.sequence)
        return {v: self.sequence.count(v) / n for v in self.names}

    def change_probability(self) -> float:
        """Chance that a part's variant differs from the one before it (at a source)."""
        if self.mix is not None:
            return 1.0 - sum(p * p for p in self.mix.values())
        seq = self.sequence
        return sum(a != b for a, b in zip(seq, seq[1:] + seq[:1])) / len(seq)


class ByProduct(_Frozen):
    """A cycle time per product variant: ``cycle_time: {by_product: {L7: 70 s, L8: 75 s}}``."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"by_product": {"L7": "70 s", "L8": {"dist": "lognormal", "mean": "75 s", "cv": 0.05}}}]})

    by_product: Annotated[dict[str, RandomDuration], Field(min_length=1)] = Field(description=(
        "Variant name -> its cycle time (a random duration); every product of the scenario "
        "named."))


def _cycle_kind(value) -> str:
    return "per_product" if isinstance(value, dict) and "by_product" in value else "one"


CycleTime = Annotated[
    Union[Annotated[RandomDuration, Tag("one")], Annotated[ByProduct, Tag("per_product")]],
    Discriminator(_cycle_kind),
    # Serialise each value as its own model (pydantic cannot pick the branch of this union).
    PlainSerializer(lambda value: value.model_dump(mode="json")),
]


class Setup(_Frozen):
    """A changeover at a server whenever the variant differs from its previous part's."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"time": "20 s"}]})

    time: RandomDuration = Field(description=(
        "Changeover time, spent (state setup) before a part whose variant differs from the "
        "server's previous part."))


class ByProductRouting(_Frozen):
    """Routing by variant: ``routing: {by_product: {L7: trim-5, L8: trim-6, L9: [trim-6, trim-7]}}``.

    Each variant goes to the station named, or to the first with room among the stations listed.
    """

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"by_product": {"L7": "trim-5", "L8": ["trim-6", "trim-7"]}}]})

    by_product: Annotated[dict[str, Union[str, Annotated[list[str], Field(min_length=1)]]],
                          Field(min_length=1)] = Field(description=(
        "Variant name -> the successor station it goes to, or a list of successors (the first "
        "with room takes it); every product named, every successor fed."))

    def targets(self, variant: str) -> list[str]:
        t = self.by_product[variant]
        return [t] if isinstance(t, str) else list(t)


def _routing_kind(value) -> str:
    if isinstance(value, str):
        return "rule"
    if isinstance(value, ByProductRouting) or isinstance(value, dict) and (
            "by_product" in value or any(isinstance(v, dict) for v in value.values())):
        return "per_product"  # (a nested mapping is a misspelt by_product, reported as such)
    return "fractions"


# `routing: first_free` (the first successor, in list order, with a free place), a mapping of
# successor name to fraction (a random choice per part; the part waits for that successor), or
# `{by_product: {variant: successor or [successors]}}`.
RoutingSpec = Annotated[
    Union[
        Annotated[Literal["first_free"], Tag("rule")],
        Annotated[ByProductRouting, Tag("per_product")],
        Annotated[dict[str, Annotated[float, BeforeValidator(parse_probability)]], Tag("fractions")],
    ],
    Discriminator(_routing_kind),
    PlainSerializer(lambda value: value.model_dump(mode="json")
                    if isinstance(value, ByProductRouting) else value),
]


class Station(_Frozen):
    """A station: one or more identical servers sharing one input, a cycle time, and what
    follows it (a buffer or a conveyor). In a serial file each station takes from the one
    before it; ``inputs`` makes networks."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"name": "S2", "cycle_time": {"dist": "exponential", "mean": "40 s"}, "servers": 1,
         "failures": {"mtbf": "1 h", "mttr": {"dist": "exponential", "mean": "5 min"}},
         "scrap": "0.5%", "buffer_after": 2}]})

    name: str = Field(description=f"The station's name, unique in the scenario: {NAME_RULE}.")
    cycle_time: CycleTime = Field(description=(
        "Processing time of one part on one server: a bare duration (constant), a "
        "distribution mapping with 'dist', or {by_product: {variant: time}}."))
    setup: Optional[Setup] = Field(None, description=(
        "A changeover whenever a server's next part is of another variant than its previous one "
        "(needs products)."))
    servers: Annotated[int, Field(ge=1, le=1000, strict=True)] = Field(1, description=(
        "Identical parallel servers sharing the station's input (each fails on its own)."))
    # filled by Scenario: default previous station
    inputs: list[str] = Field(default_factory=list, description=(
        "The stations this one takes parts from (by name); [] makes a source. Default: the "
        "station before it in the list (none for the first). Several inputs without assembly "
        "are a merge."))
    # Bill of materials: parts per unit from each input; a quantity may depend on the variant
    # of the unit (carried by the first input's part): {L7: 3, L8: 2} (0 allowed there).
    assembly: Optional[dict[str, Union[
        Annotated[int, Field(ge=1, le=1000, strict=True)],
        dict[str, Annotated[int, Field(ge=0, le=1000, strict=True)]],
    ]]] = Field(None, description=(
        "Bill of materials: input name -> parts taken from it per unit made, or variant -> "
        "parts (0 allowed) for an input other than the first; every input named. The first "
        "input's part carries the unit's variant."))
    buffer_after: Capacity = Field(0, description=(
        "Waiting places between this station and the stations it feeds (0: a finished part "
        "waits on its station, blocking it, until a server downstream is free); or unlimited."))
    conveyor: Optional[ConveyorSpec] = Field(None, description=(
        "An accumulating conveyor to the next station instead of buffer_after."))
    routing: Optional[RoutingSpec] = Field(None, description=(
        "Needed when the station feeds several: first_free (the first successor in list order "
        "with room), successor -> fraction (drawn per part), or {by_product: {variant: "
        "successor or [successors]}}."))
    rework: Optional[Rework] = Field(None, description=(
        "A fraction of the finished parts goes back to an upstream station (an unlimited lane)."))
    arrivals: Optional[Arrivals] = Field(None, description=(
        "At a source (inputs: []): parts arrive from outside at random, instead of an unlimited "
        "supply."))
    failures: Optional[Failures] = Field(None, description="Breakdowns of each server.")
    scrap: Probability = Field(0.0, description=(
        "Share of the parts finished here that are scrapped (drawn per part); must be < 1."))
    # Its own shift calendar (a name from the scenario's `calendars`, "continuous", or a
    # calendar mapping); default: the scenario's calendar.
    calendar: Optional[Union[str, "ShiftCalendar"]] = Field(None, description=(
        "The station's own calendar: a name from the scenario's calendars, continuous, or a "
        "shift-calendar mapping. Default: the scenario's calendar."))

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        return check_name(v, "station name")

    @model_validator(mode="after")
    def _positive_cycle(self):
        for dist in self.cycle_times().values():
            if dist.mean_s() <= 0:
                raise ValueError("cycle_time must have a mean > 0")
        if self.scrap >= 1:
            raise ValueError("scrap must be < 1 (a station that scraps everything makes nothing)")
        if self.conveyor is not None and self.buffer_after:
            raise ValueError("give either buffer_after or conveyor (the conveyor is the buffer)")
        if self.rework is not None and self.scrap + self.rework.fraction >= 1:
            raise ValueError("scrap + rework fraction must be < 1")
        return self

    @property
    def is_source(self) -> bool:
        return not self.inputs

    def cycle_times(self) -> dict[Optional[str], object]:
        """Variant → cycle-time distribution (key None: the same for every variant)."""
        if isinstance(self.cycle_time, ByProduct):
            return dict(self.cycle_time.by_product)
        return {None: self.cycle_time}

    def quantity_from(self, station: str, variant: Optional[str] = None) -> int:
        """Parts taken from input ``station`` per unit made (the bill of materials; 1 if none)."""
        if not self.assembly:
            return 1
        q = self.assembly[station]
        if isinstance(q, dict):
            return q[variant] if variant is not None else max(q.values())
        return q

    def in_sequence_inputs(self, variants: list[str]) -> list[str]:
        """Inputs of an assembly station that bring one part per unit of every variant, after
        the first (which carries the variant): their parts should be of the unit's variant
        (just in sequence); a part of another variant is counted out of sequence."""
        if not self.assembly or not variants:
            return []
        return [u for u in self.inputs[1:]
                if all(self.quantity_from(u, v) == 1 for v in variants)]

    def mean_quantity_from(self, station: str, shares: Optional[dict[str, float]]) -> float:
        if not self.assembly:
            return 1.0
        q = self.assembly[station]
        if isinstance(q, dict):
            return sum(shares[v] * q[v] for v in q) if shares else float(max(q.values()))
        return float(q)

    def mean_cycle_s(self, products: Optional["Products"] = None) -> float:
        """Mean time per part of one server without failures: the mix-weighted time per part
        (cycle time plus expected changeover); without products, the one cycle time (or the
        longest of per-variant ones)."""
        if products is None:
            return max(d.mean_s() for d in self.cycle_times().values())
        return sum(share * self.part_time_s(v, products) for v, share in products.shares().items())

    def part_time_s(self, variant: Optional[str], products: Optional["Products"]) -> float:
        """Mean time one server spends per part of ``variant``: its cycle time plus the
        expected changeover per part (setup time × the plan's chance of a variant change)."""
        times = self.cycle_times()
        t = (times[None] if None in times else times[variant]).mean_s()
        if self.setup is not None and products is not None:
            t += self.setup.time.mean_s() * products.change_probability()
        return t

    def availability(self) -> float:
        return self.failures.availability_ratio() if self.failures else 1.0

    def effective_cycle_s(self, products: Optional["Products"] = None) -> float:
        """Mean time per part of one server including its failures: ct / A."""
        return self.mean_cycle_s(products) / self.availability()

    def capacity_per_s(self, products: Optional["Products"] = None) -> float:
        """Parts per second the station can start, all servers busy, failures included."""
        return self.servers / self.effective_cycle_s(products)


class ShiftCalendar(_Frozen):
    """A weekly shift pattern laid over a 365-day year.

    Shifts run back to back from ``first_shift_start`` (default 06:00); one break per shift sits
    in its middle. With ``days_per_week`` the first that many days of each week are worked and
    ``holidays_per_year`` worked days are taken out, evenly spread over the year; with
    ``working_days_per_year`` that many days are worked, evenly spread (holidays already out).
    """

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"shifts_per_day": 2, "shift_length": "8 h", "breaks_per_shift": "30 min",
         "days_per_week": 6, "holidays_per_year": 11},
        {"shifts_per_day": 3, "shift_length": "8 h", "working_days_per_year": 250}]})

    shifts_per_day: Annotated[int, Field(ge=1, le=3, strict=True)] = Field(description=(
        "Shifts a working day, run back to back from first_shift_start."))
    shift_length: PosDuration = Field(description=(
        "Length of a shift, its break included; shifts_per_day x shift_length fits in a day."))
    breaks_per_shift: NonNegDuration = Field(0.0, description=(
        "Break time inside each shift, at its middle; the line stops (off-shift)."))
    days_per_week: Optional[Annotated[int, Field(ge=1, le=7, strict=True)]] = Field(None, description=(
        "Working days a week: the first that many days of every week. Give days_per_week or "
        "working_days_per_year."))
    working_days_per_year: Optional[Annotated[int, Field(ge=1, le=365, strict=True)]] = Field(
        None, description=(
            "Working days a year, holidays already out: the shortest week that gives them, the "
            "surplus days off spread over the year (250: five-day weeks less 11 days)."))
    holidays_per_year: Annotated[int, Field(ge=0, strict=True)] = Field(0, description=(
        "Working days taken out, spread evenly over the year (only with days_per_week)."))
    first_shift_start: NonNegDuration = Field(6 * HOUR, description=(
        "Time of day the first shift starts (default 6 h = 06:00)."))
    repairs_off_shift: bool = Field(False, description=(
        "true: a repair in progress goes on off shift; false: it pauses until the next shift."))

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


# Union branch tags: they appear in pydantic's error locations but never as keys in a file.
UNION_TAGS = frozenset({"continuous", "shifts", "one", "per_product", "rule", "fractions"})

# `calendar: continuous` or a shift-calendar mapping (tagged so errors name one branch only).
CalendarSpec = Annotated[
    Union[Annotated[Literal["continuous"], Tag("continuous")], Annotated[ShiftCalendar, Tag("shifts")]],
    Discriminator(_calendar_kind),
]


Station.model_rebuild()


class RunSpec(_Frozen):
    """How the scenario is simulated: warm-up, horizon, replications, seed, engine (the
    command line's --warmup, --horizon, --replications, --seed, --precision and --engine
    override them)."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"warmup": "8 h", "horizon": "1 year", "replications": 10, "seed": 2024}]})

    warmup: NonNegDuration = Field(0.0, description=(
        "Scheduled time simulated before statistics start (the line fills up); counted in "
        "scheduled, not calendar, time."))
    horizon: PosDuration = Field(YEAR, description=(
        "Calendar time observed after the warm-up; with one year the annual output is the "
        "year's output itself, otherwise it is scaled by scheduled time."))
    replications: Annotated[int, Field(ge=1, le=100000, strict=True)] = Field(10, description=(
        "Independent replications (the maximum when precision is given)."))
    seed: Annotated[int, Field(ge=0, strict=True)] = Field(12345, description=(
        "Root seed of every random stream: the same seed gives the same numbers."))
    # Optional relative precision ("0.5%"): replications are added in batches until the 95%
    # interval's half-width is within this share of the mean; ``replications`` is the maximum.
    precision: Optional[Annotated[float, BeforeValidator(parse_probability),
                                  Field(gt=0, lt=1)]] = Field(None, description=(
        "Optional: add replications in batches until the 95 % interval's half-width is within "
        "this share of the mean annual output ('0.5%')."))
    # Which engine simulates: "auto" (the compiled engine where it supports every feature the
    # scenario uses, SimPy otherwise), "simpy" (the reference) or "fast" (refused, before
    # simulating, where it does not support a feature). See linesim.engines.
    engine: Literal["auto", "simpy", "fast"] = Field("auto", description=(
        "Which engine simulates (the same answers, bit for bit): auto runs the compiled fast "
        "engine where it can and SimPy otherwise (a trace, numba missing or unable to compile, "
        "a plant above the compiled layout's limits); simpy always runs the SimPy reference "
        "model; fast runs the compiled engine or refuses the scenario (exit 2) saying why."))


class Target(_Frozen):
    """The annual output the plant must reach, and how sure the verdict must be."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"annual_output": 500000, "confidence": 0.9}]})

    annual_output: Annotated[float, Field(gt=0, allow_inf_nan=False)] = Field(description=(
        "Units a year (under the output stations' calendar) the verdict asks for."))
    confidence: Annotated[float, BeforeValidator(parse_probability), Field(gt=0, lt=1)] = Field(
        0.9, description=(
            "The target is met when P(one year's output >= annual_output) is at least this."))


class Scenario(_Frozen):
    """A production line or plant: its stations in flow order, calendar, run and target."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"name": "ref-a", "unit": "part", "calendar": "continuous",
         "stations": [{"name": "S1", "cycle_time": 38, "buffer_after": 2},
                      {"name": "S2", "cycle_time": {"dist": "exponential", "mean": "40 s"},
                       "failures": {"mtbf": "1 h", "mttr": "5 min"}},
                      {"name": "S3", "cycle_time": "36 s"}],
         "run": {"warmup": "1 h", "horizon": "1 year", "replications": 10, "seed": 12345},
         "target": {"annual_output": 500000, "confidence": 0.9}}]})

    name: str = Field(description=f"The scenario's id; names its result folder: {SCENARIO_NAME_RULE}.")
    description: str = Field("", description="Free text shown with the results.")
    unit: str = Field("part", description=(
        f"What leaves the plant, for labels (set, vehicle, part, 套): {UNIT_RULE}."))
    calendar: CalendarSpec = Field("continuous", description=(
        "When the plant works: continuous (24 h x 365 d) or a shift calendar; the default of "
        "every station."))
    stations: Annotated[list[Station], Field(min_length=1)] = Field(description=(
        "The stations in flow order (a serial line: the first is never starved, the last never "
        "blocked)."))
    run: Annotated[RunSpec, BeforeValidator(_none_as_empty)] = Field(RunSpec(), description=(
        "How to simulate: warm-up, horizon, replications, seed, engine."))
    target: Optional[Target] = Field(None, description=(
        "Optional annual output to reach, with the confidence the verdict needs."))
    # needed only when several stations end the flow
    outputs: Optional[list[str]] = Field(None, description=(
        "The stations that deliver finished units (exactly those feeding no other station); "
        "needed only when several stations end the flow."))
    products: Optional[Products] = Field(None, description=(
        "Product variants and the plan sources release them in (a mix or a sequence)."))
    # named calendars for stations
    calendars: Optional[dict[str, CalendarSpec]] = Field(None, description=(
        "Named calendars (name -> continuous or a shift calendar) that stations refer to by "
        "name."))

    @model_validator(mode="before")
    @classmethod
    def _default_inputs(cls, data):
        """A station without ``inputs`` takes from the station before it in the list (the first
        one is a source), so serial files need no ``inputs`` at all."""
        if isinstance(data, dict) and isinstance(data.get("stations"), list):
            stations, previous = [], None
            for st in data["stations"]:
                if isinstance(st, dict) and "inputs" not in st:
                    st = {**st, "inputs": [] if previous is None else [previous]}
                stations.append(st)
                previous = st.get("name") if isinstance(st, dict) else None
            data = {**data, "stations": stations}
        return data

    @field_validator("name")
    @classmethod
    def _scenario_name(cls, v: str) -> str:
        why = scenario_name_problem(v)
        if why:
            raise ValueError(f"scenario name {_shown(v)}: {why}")
        return v

    @field_validator("unit")
    @classmethod
    def _unit(cls, v: str) -> str:
        if not v or len(v) > UNIT_MAX or not v.isprintable() or v != v.strip():
            raise ValueError(f"unit {_shown(v)}: expected {UNIT_RULE}")
        return v

    @field_validator("calendars")
    @classmethod
    def _calendar_names(cls, v):
        for name in v or {}:
            if not is_valid_name(name):
                raise PlacedError(f"calendar name {_shown(name)}: expected {NAME_RULE}", name)
        return v

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
    def _network(self):
        """The flow graph: known inputs, no cycle but through rework, one way out per station
        (or a routing), bills of material that name the inputs, a declared output."""
        index = {st.name: i for i, st in enumerate(self.stations)}
        successors: dict[str, list[str]] = {st.name: [] for st in self.stations}
        for i, st in enumerate(self.stations):
            for name in st.inputs:
                if name not in index:
                    raise PlacedError(f"station {st.name!r} names an unknown input {name!r} "
                                      f"(stations: {', '.join(index)})", "stations", i, "inputs")
                if name == st.name:
                    raise PlacedError(f"station {st.name!r} lists itself as an input",
                                      "stations", i, "inputs")
                successors[name].append(st.name)
            if len(set(st.inputs)) != len(st.inputs):
                raise PlacedError(f"station {st.name!r} lists an input twice", "stations", i, "inputs")
            if st.assembly is not None:
                if not st.inputs:
                    raise PlacedError(f"assembly station {st.name!r} has no inputs",
                                      "stations", i, "assembly")
                extra = sorted(set(st.assembly) - set(st.inputs))
                missing = sorted(set(st.inputs) - set(st.assembly))
                if extra:
                    raise PlacedError(f"the bill of materials of {st.name!r} names {', '.join(extra)}"
                                      f", which {'is' if len(extra) == 1 else 'are'} not among its "
                                      f"inputs ({', '.join(st.inputs)})", "stations", i, "assembly")
                if missing:
                    raise PlacedError(f"input {', '.join(missing)} of assembly station {st.name!r} "
                                      "is never consumed: add it to the bill of materials",
                                      "stations", i, "assembly")
                for inp, q in st.assembly.items():
                    if isinstance(q, dict) and q and not any(q.values()):
                        raise PlacedError(f"input {inp} of assembly station {st.name!r} is never "
                                          "consumed: its quantity is 0 for every product; give "
                                          "at least one a quantity, or remove the input",
                                          "stations", i, "assembly", inp)
            if st.arrivals is not None and st.inputs:
                raise PlacedError(f"station {st.name!r} has inputs; arrivals are only for sources "
                                  "(inputs: [])", "stations", i, "arrivals")
        self._check_products()
        self._check_calendars()
        self._check_acyclic(successors)
        for i, st in enumerate(self.stations):
            succ = successors[st.name]
            if len(succ) > 1 and st.routing is None:
                raise PlacedError(f"station {st.name!r} feeds {', '.join(succ)}: say how parts are "
                                  "routed (routing: first_free, fractions per station, or by_product)",
                                  "stations", i, "routing")
            if isinstance(st.routing, ByProductRouting):
                self._check_routing_by_product(i, st, succ)
            elif isinstance(st.routing, dict):
                if set(st.routing) != set(succ):
                    raise PlacedError(f"routing fractions of {st.name!r} must name exactly the "
                                      f"stations it feeds ({', '.join(succ) or 'none'})",
                                      "stations", i, "routing")
                if abs(sum(st.routing.values()) - 1.0) > 1e-9:
                    raise PlacedError(f"routing fractions of {st.name!r} sum to "
                                      f"{sum(st.routing.values()):g}, not 1", "stations", i, "routing")
            if st.rework is not None and st.rework.to not in self._ancestors(st.name):
                raise PlacedError(f"station {st.name!r} sends rework to {st.rework.to!r}, which is "
                                  "not upstream of it", "stations", i, "rework", "to")
        sinks = [name for name, succ in successors.items() if not succ]
        for name in sinks:
            st = self.stations[index[name]]
            if st.conveyor is not None:
                raise PlacedError(f"station {name!r} has a conveyor, but nothing follows it",
                                  "stations", index[name], "conveyor")
            if st.buffer_after:
                raise PlacedError(
                    f"station {name!r} has buffer_after {st.buffer_after}, but nothing follows it "
                    "(an output station is never blocked); remove it",
                    "stations", index[name], "buffer_after")
        if self.outputs is None:
            if len(sinks) > 1:
                raise PlacedError(f"stations {', '.join(sinks)} feed no other station: declare "
                                  "the ones that deliver finished units with 'outputs: [...]' "
                                  "(a station that leads nowhere is usually a missing input)",
                                  "outputs")
        elif sorted(self.outputs) != sorted(sinks):
            raise PlacedError(f"outputs must be exactly the stations that feed no other station "
                              f"({', '.join(sinks)})", "outputs")
        return self

    def _check_calendars(self) -> None:
        for i, st in enumerate(self.stations):
            if isinstance(st.calendar, str) and st.calendar != "continuous" and (
                    not self.calendars or st.calendar not in self.calendars):
                known = ", ".join(sorted(self.calendars or {})) or "none declared"
                raise PlacedError(f"station {st.name!r} follows calendar {st.calendar!r}, which is "
                                  f"not among the scenario's calendars ({known})",
                                  "stations", i, "calendar")
        succ = self.successors()
        ends = [st for st in self.stations if not succ[st.name]]
        if len({self._calendar_key(self.station_calendar(st)) for st in ends}) > 1:
            raise PlacedError("the output stations follow different calendars: the annual figure "
                              "needs one", "outputs")

    @staticmethod
    def _calendar_key(spec) -> str:
        return spec if isinstance(spec, str) else spec.model_dump_json()

    def station_calendar(self, station: Station) -> "CalendarSpec":
        """The calendar a station follows (its own, or the scenario's)."""
        cal = station.calendar
        if cal is None:
            return self.calendar
        if isinstance(cal, str):
            return "continuous" if cal == "continuous" else self.calendars[cal]
        return cal

    def output_calendar(self) -> "CalendarSpec":
        """The calendar of the output station(s): the one the annual figure is per."""
        succ = self.successors()
        end = next(st for st in self.stations if not succ[st.name])
        return self.station_calendar(end)

    def _check_products(self) -> None:
        names = set(self.products.names) if self.products else set()
        for i, st in enumerate(self.stations):
            if isinstance(st.cycle_time, ByProduct):
                if not names:
                    raise PlacedError(f"station {st.name!r} has cycle times by product, but the "
                                      "scenario declares no products", "stations", i, "cycle_time")
                if set(st.cycle_time.by_product) != names:
                    raise PlacedError(f"cycle times of {st.name!r} must name exactly the products "
                                      f"({', '.join(sorted(names))})", "stations", i, "cycle_time")
            if st.setup is not None and not names:
                raise PlacedError(f"station {st.name!r} has a setup, but the scenario declares no "
                                  "products", "stations", i, "setup")
            for inp, q in (st.assembly or {}).items():
                if isinstance(q, dict):
                    if set(q) != names:
                        raise PlacedError(f"the quantities of {inp!r} at {st.name!r} must name "
                                          f"exactly the products ({', '.join(sorted(names)) or 'none declared'})",
                                          "stations", i, "assembly", inp)
                    if inp == st.inputs[0]:
                        raise PlacedError(f"{inp!r} is the first input of {st.name!r}: its part "
                                          "carries the unit's variant, so its quantity is fixed",
                                          "stations", i, "assembly", inp)

    def _check_routing_by_product(self, i: int, st: Station, succ: list[str]) -> None:
        names = set(self.products.names) if self.products else set()
        if not names:
            raise PlacedError(f"station {st.name!r} routes by product, but the scenario declares "
                              "no products", "stations", i, "routing")
        given = st.routing.by_product
        if set(given) != names:
            raise PlacedError(f"routing by product of {st.name!r} must name exactly the products "
                              f"({', '.join(sorted(names))})", "stations", i, "routing", "by_product")
        used: set[str] = set()
        for variant in given:
            for target in st.routing.targets(variant):
                if target not in succ:
                    raise PlacedError(f"{st.name!r} routes {variant} to {target!r}, which does not "
                                      f"take from it (it feeds {', '.join(succ) or 'nothing'})",
                                      "stations", i, "routing", "by_product", variant)
                used.add(target)
        unused = [d for d in succ if d not in used]
        if unused:
            raise PlacedError(f"{st.name!r} feeds {', '.join(unused)}, but routes no product there",
                              "stations", i, "routing", "by_product")

    def _check_acyclic(self, successors: dict[str, list[str]]) -> None:
        """Depth-first search with an explicit stack (a long line must not hit Python's
        recursion limit)."""
        state: dict[str, int] = {}  # 1: on the current path, 2: done
        for start in successors:
            if start in state:
                continue
            state[start] = 1
            path = [start]
            todo = [iter(successors[start])]
            while todo:
                nxt = next(todo[-1], None)
                if nxt is None:
                    todo.pop()
                    state[path.pop()] = 2
                elif state.get(nxt) == 1:
                    cycle = path[path.index(nxt):] + [nxt]
                    raise PlacedError("the flow has a cycle: " + " -> ".join(cycle)
                                      + " (only rework may go back upstream)", "stations")
                elif nxt not in state:
                    state[nxt] = 1
                    path.append(nxt)
                    todo.append(iter(successors[nxt]))

    def _ancestors(self, name: str) -> set[str]:
        inputs = {st.name: st.inputs for st in self.stations}
        seen: set[str] = set()
        todo = list(inputs[name])
        while todo:
            n = todo.pop()
            if n not in seen:
                seen.add(n)
                todo.extend(inputs[n])
        return seen

    def successors(self) -> dict[str, list[str]]:
        """Station name → the stations that take from it, in list order."""
        succ: dict[str, list[str]] = {st.name: [] for st in self.stations}
        for st in self.stations:
            for name in st.inputs:
                succ[name].append(st.name)
        return succ

    def is_serial(self) -> bool:
        """A plain serial line: each station takes from the one before it, one source, no extras."""
        return all(
            st.inputs == ([] if i == 0 else [self.stations[i - 1].name])
            and st.assembly is None and st.routing is None and st.rework is None
            and st.arrivals is None
            for i, st in enumerate(self.stations)
        )

    def resolved(self) -> dict:
        """Plain data with every default written out (round-trips through validation). An unset
        ``run.precision`` and the default ``run.engine: auto`` are left out: a fixed number of
        replications on the engine linesim picks is the usual run, and its resolved file (and
        the hashes of sweep stores) stays as it was before these keys existed."""
        data = self.model_dump(mode="json")
        if data["run"].get("precision") is None:
            del data["run"]["precision"]
        if data["run"].get("engine") == "auto":
            del data["run"]["engine"]
        return data

    def with_run(self, **changes) -> "Scenario":
        """A copy with run-block fields replaced (command-line overrides), re-validated."""
        data = self.resolved()
        data["run"].update({k: v for k, v in changes.items() if v is not None})
        return Scenario.model_validate(data)
