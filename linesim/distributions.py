"""Distributions: random-duration specs (as validated from YAML) and their samplers.

Stage: below ``scenario`` (which uses these specs as field types) and ``model`` (which calls
the samplers). Each spec knows its exact mean and variance, so the capacity arithmetic and the
tests can compare simulation with theory without sampling.

A sampler is a zero-argument callable returning the next value in seconds. It draws from its own
``numpy.random.Generator`` in fixed blocks of ``BLOCK`` values; the block size is part of the
random-stream scheme (see ``streams.SCHEME_VERSION``): the same generator always yields the same
sequence of durations.

Parametrisation follows practitioners: lognormal and gamma by mean and spread (cv or sd), not by
the underlying normal's mu/sigma. The normal is truncated at ``min`` (default 0) by *resampling*:
a draw below ``min`` is discarded and drawn again, so the realised mean is the truncated-normal
mean (reported by ``mean_s()``), slightly above ``mean`` when the truncation bites.
"""

from __future__ import annotations

import itertools
import math
from typing import Annotated, Callable, ClassVar, Literal, Optional, Union

import numpy as np
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    model_validator,
)

from .units import parse_duration

BLOCK = 1024  # values drawn per refill; part of the stream scheme

Sampler = Callable[[], float]


def _nonnegative(x: float) -> float:
    if x < 0:
        raise ValueError(f"expected a duration >= 0, got {x:g} s")
    return x


def _positive(x: float) -> float:
    if x <= 0:
        raise ValueError(f"expected a duration > 0, got {x:g} s")
    return x


Duration = Annotated[float, BeforeValidator(parse_duration)]
NonNegDuration = Annotated[float, BeforeValidator(parse_duration), AfterValidator(_nonnegative)]
PosDuration = Annotated[float, BeforeValidator(parse_duration), AfterValidator(_positive)]
NonNegFloat = Annotated[float, Field(ge=0, allow_inf_nan=False)]
PosFloat = Annotated[float, Field(gt=0, allow_inf_nan=False)]


def _significant(x: float) -> float:
    """``x`` to 12 significant digits: 40 × 1.1 is 44, not 44.00000000000001 (a scaled value
    appears in labels and resolved scenarios; 12 digits is far below any timing precision)."""
    return float(f"{x:.12g}")


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    # The fields holding times (seconds): what ``scaled`` multiplies. Shape parameters (cv, k)
    # are scale-free and stay.
    _TIME_FIELDS: ClassVar[tuple[str, ...]] = ()

    def scaled(self, k: float) -> "_Spec":
        """The distribution of ``k`` × X: every time field multiplied by ``k`` (mean × k,
        variance × k²; an empirical's values, a constant's value, bounds and a truncation point
        all × k). Used by sweeps' relative values (``scale: [0.9, 1.1]``)."""
        if isinstance(k, bool) or not isinstance(k, (int, float)) or not (math.isfinite(k) and k > 0):
            raise ValueError(f"a scale factor must be a number > 0, got {k!r}")
        data = self.model_dump()
        for name in self._TIME_FIELDS:
            value = data.get(name)
            if isinstance(value, list):
                data[name] = [_significant(x * k) for x in value]
            elif value is not None:
                data[name] = _significant(value * k)
        return type(self).model_validate(data)

    def mean_s(self) -> float:  # pragma: no cover - overridden
        raise NotImplementedError

    def variance_s2(self) -> float:  # pragma: no cover - overridden
        raise NotImplementedError

    def coefficient_of_variation(self) -> float:
        m = self.mean_s()
        return math.sqrt(self.variance_s2()) / m if m > 0 else 0.0

    def _draw(self, gen: np.random.Generator, n: int) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    def sampler(self, gen: np.random.Generator) -> Sampler:
        """Next-value callable drawing from ``gen`` in blocks of ``BLOCK``."""

        def values():
            while True:
                yield from self._draw(gen, BLOCK).tolist()

        return values().__next__


def uniform_sampler(gen: np.random.Generator) -> Sampler:
    """Uniform [0, 1) numbers (for Bernoulli decisions such as scrap), in blocks of ``BLOCK``."""

    def values():
        while True:
            yield from gen.random(BLOCK).tolist()

    return values().__next__


class Constant(_Spec):
    """Always the same duration (a bare duration is this)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"dist": "constant", "value": "38 s"}]})
    dist: Literal["constant"] = "constant"
    _TIME_FIELDS = ("value",)
    value: NonNegDuration = Field(description="The duration.")

    def mean_s(self) -> float:
        return self.value

    def variance_s2(self) -> float:
        return 0.0

    def sampler(self, gen: np.random.Generator) -> Sampler:
        return itertools.repeat(self.value).__next__


class Exponential(_Spec):
    """Memoryless: the usual time to repair and, for a bare MTBF, time between failures
    (cv 1)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"dist": "exponential", "mean": "5 min"}]})
    dist: Literal["exponential"]
    _TIME_FIELDS = ("mean",)
    mean: PosDuration = Field(description="The mean.")

    def mean_s(self) -> float:
        return self.mean

    def variance_s2(self) -> float:
        return self.mean**2

    def _draw(self, gen, n):
        return gen.exponential(self.mean, n)


class _MeanSpread(_Spec):
    """mean with exactly one of sd (seconds) or cv (dimensionless)."""

    mean: PosDuration = Field(description="The mean.")
    sd: Optional[NonNegDuration] = Field(None, description=(
        "Standard deviation, a duration. Give sd or cv."))
    cv: Optional[NonNegFloat] = Field(None, description=(
        "Coefficient of variation, sd / mean (a number, 0.05 = 5 %). Give sd or cv."))
    _TIME_FIELDS = ("mean", "sd")

    @model_validator(mode="after")
    def _one_spread(self):
        if (self.sd is None) == (self.cv is None):
            raise ValueError("give exactly one of 'sd' (a duration) or 'cv' (a number >= 0)")
        return self

    @property
    def sd_s(self) -> float:
        return self.sd if self.sd is not None else self.cv * self.mean

    def mean_s(self) -> float:
        return self.mean

    def variance_s2(self) -> float:
        return self.sd_s**2


def _phi(x: float) -> float:
    return math.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)


def _Phi(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2)))


class Normal(_MeanSpread):
    """Normal, truncated at ``min`` by resampling (a draw below it is drawn again), so the
    realised mean is slightly above ``mean`` when the truncation bites."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"dist": "normal", "mean": "40 s", "sd": "2 s"}]})
    dist: Literal["normal"]
    min: NonNegDuration = Field(0.0, description="Truncation point: draws below it are drawn again.")
    _TIME_FIELDS = ("mean", "sd", "min")

    @model_validator(mode="after")
    def _mass_above_min(self):
        sd = self.sd_s
        if sd == 0 and self.mean < self.min:
            raise ValueError(f"mean {self.mean:g} s is below min {self.min:g} s with sd 0")
        if sd > 0 and (self.min - self.mean) / sd > 6:
            raise ValueError(
                f"min {self.min:g} s is more than 6 sd above the mean: almost every draw is rejected"
            )
        return self

    def _alpha_lambda(self) -> tuple[float, float]:
        sd = self.sd_s
        alpha = (self.min - self.mean) / sd
        lam = _phi(alpha) / (1.0 - _Phi(alpha))
        return alpha, lam

    def mean_s(self) -> float:
        if self.sd_s == 0:
            return self.mean
        _, lam = self._alpha_lambda()
        return self.mean + self.sd_s * lam

    def variance_s2(self) -> float:
        sd = self.sd_s
        if sd == 0:
            return 0.0
        alpha, lam = self._alpha_lambda()
        return sd * sd * (1.0 + alpha * lam - lam * lam)

    def _draw(self, gen, n):
        sd = self.sd_s
        if sd == 0:
            return np.full(n, self.mean)
        out = np.empty(0)
        while out.size < n:
            x = gen.normal(self.mean, sd, n)
            out = np.concatenate([out, x[x >= self.min]])
        return out[:n]


class Lognormal(_MeanSpread):
    """Lognormal by its own mean and spread (not the underlying normal's mu and sigma): the
    usual shape of manual cycle times."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"dist": "lognormal", "mean": "37.5 s", "cv": 0.05}]})
    dist: Literal["lognormal"]

    def _draw(self, gen, n):
        c = self.sd_s / self.mean
        if c == 0:
            return np.full(n, self.mean)
        sigma2 = math.log1p(c * c)
        mu = math.log(self.mean) - sigma2 / 2
        return gen.lognormal(mu, math.sqrt(sigma2), n)


class Gamma(_MeanSpread):
    """Gamma by mean and spread (a spread > 0: use constant for none)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"dist": "gamma", "mean": "3 min", "cv": 0.8}]})
    dist: Literal["gamma"]

    @model_validator(mode="after")
    def _spread_positive(self):
        if self.sd_s <= 0:
            raise ValueError("gamma needs a spread > 0 (cv or sd); use constant for none")
        return self

    def _draw(self, gen, n):
        c = self.sd_s / self.mean
        shape = 1.0 / (c * c)
        return gen.gamma(shape, self.mean / shape, n)


class Erlang(_Spec):
    """The sum of ``k`` exponential phases with the given overall mean (cv = 1/sqrt(k))."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"dist": "erlang", "mean": "40 s", "k": 4}]})
    dist: Literal["erlang"]
    _TIME_FIELDS = ("mean",)
    mean: PosDuration = Field(description="The mean of the whole (all k phases).")
    k: Annotated[int, Field(ge=1, strict=True)] = Field(description="Number of phases (shape).")

    def mean_s(self) -> float:
        return self.mean

    def variance_s2(self) -> float:
        return self.mean**2 / self.k

    def _draw(self, gen, n):
        return gen.gamma(float(self.k), self.mean / self.k, n)


class Triangular(_Spec):
    """Triangular from three estimates (shortest, most likely, longest): min <= mode <= max,
    min < max."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"dist": "triangular", "min": "2 min", "mode": "4 min", "max": "15 min"}]})
    dist: Literal["triangular"]
    _TIME_FIELDS = ("min", "mode", "max")
    min: NonNegDuration = Field(description="The shortest value.")
    mode: NonNegDuration = Field(description="The most likely value.")
    max: NonNegDuration = Field(description="The longest value.")

    @model_validator(mode="after")
    def _ordered(self):
        if not (self.min <= self.mode <= self.max) or self.min == self.max:
            raise ValueError(
                f"expected min <= mode <= max and min < max, got {self.min:g}, {self.mode:g}, "
                f"{self.max:g} s"
            )
        return self

    def mean_s(self) -> float:
        return (self.min + self.mode + self.max) / 3

    def variance_s2(self) -> float:
        a, c, b = self.min, self.mode, self.max
        return (a * a + b * b + c * c - a * b - a * c - b * c) / 18

    def _draw(self, gen, n):
        return gen.triangular(self.min, self.mode, self.max, n)


class Uniform(_Spec):
    """Every value between ``min`` and ``max`` equally likely (min < max)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"dist": "uniform", "min": "35 s", "max": "45 s"}]})
    dist: Literal["uniform"]
    _TIME_FIELDS = ("min", "max")
    min: NonNegDuration = Field(description="The lower bound.")
    max: NonNegDuration = Field(description="The upper bound.")

    @model_validator(mode="after")
    def _ordered(self):
        if not self.min < self.max:
            raise ValueError(f"expected min < max, got {self.min:g} and {self.max:g} s")
        return self

    def mean_s(self) -> float:
        return (self.min + self.max) / 2

    def variance_s2(self) -> float:
        return (self.max - self.min) ** 2 / 12

    def _draw(self, gen, n):
        return gen.uniform(self.min, self.max, n)


class Empirical(_Spec):
    """Resampled observations (drawn with replacement). The loader turns ``file`` + ``column``
    (a CSV relative to the scenario file) into ``values``, so the resolved scenario carries the
    data itself."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"dist": "empirical", "values": [38, 41, "39.5 s", 44]},
        {"dist": "empirical", "file": "cycle-times.csv", "column": "seconds"}]})
    dist: Literal["empirical"]
    values: Annotated[list[NonNegDuration], Field(min_length=1)] = Field(description=(
        "The observed durations, drawn with replacement; or give file (+ column) instead."))
    _TIME_FIELDS = ("values",)

    def mean_s(self) -> float:
        return float(np.mean(self.values))

    def variance_s2(self) -> float:
        return float(np.var(self.values))

    def _draw(self, gen, n):
        return gen.choice(np.asarray(self.values, dtype=float), n)


AnyDist = Annotated[
    Union[Constant, Exponential, Normal, Lognormal, Gamma, Erlang, Triangular, Uniform, Empirical],
    Field(discriminator="dist"),
]

DIST_NAMES = ("constant", "exponential", "normal", "lognormal", "gamma", "erlang", "triangular",
              "uniform", "empirical")


def _bare_as(kind: str):
    """A bare duration (number or '75 s') becomes the given distribution with that mean."""

    def convert(value):
        if isinstance(value, (int, float, str)) and not isinstance(value, bool):
            seconds = parse_duration(value)
            if kind == "constant":
                return {"dist": "constant", "value": seconds}
            return {"dist": kind, "mean": seconds}
        if isinstance(value, dict):
            if "dist" not in value:
                raise ValueError(f"a random duration needs 'dist': one of {', '.join(DIST_NAMES)}")
            return value
        raise ValueError(
            f"expected a duration (e.g. 40 or '40 s') or a mapping with 'dist' (one of "
            f"{', '.join(DIST_NAMES)}), got {value!r}"
        )

    convert.bare_duration_as = kind  # what a bare duration means (for the JSON Schema)
    return BeforeValidator(convert)


# A random duration: a mapping with `dist`, or a bare duration meaning constant.
RandomDuration = Annotated[AnyDist, _bare_as("constant")]
# A time between failures: a bare duration means exponential with that mean.
RandomInterval = Annotated[AnyDist, _bare_as("exponential")]
