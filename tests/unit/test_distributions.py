"""distributions.py: every random-duration spec samples with the mean and variance it claims,
those claims agree with textbook formulas (via scipy.stats, computed independently), bad
parameters are rejected, and sampling is a pure function of the generator."""

from __future__ import annotations

import math

import numpy as np
import pytest
from pydantic import TypeAdapter, ValidationError
from scipy import stats

from linesim.distributions import (
    DIST_NAMES,
    AnyDist,
    Constant,
    Exponential,
    RandomDuration,
    RandomInterval,
)
from linesim.scenario import Failures, Station

N = 200_000
K_SE = 5.0  # tolerance in standard errors; with fixed seeds this is deterministic, and at 5 SE a
# correct implementation would fail for fewer than 1 in a million seeds.

_spec = TypeAdapter(RandomDuration)


def spec(**kw):
    return _spec.validate_python(kw)


EMPIRICAL_VALUES = [30.0, 31.5, 35.0, 35.0, 40.0, 52.0, 61.25]


def _reference(kw: dict):
    """An independent scipy.stats (or hand-computed) reference distribution for a spec's parameters:
    returns (mean, variance, excess kurtosis)."""
    d = kw["dist"]
    if d == "exponential":
        ref = stats.expon(scale=kw["mean"])
    elif d == "normal":
        sd = kw["sd"] if "sd" in kw else kw["cv"] * kw["mean"]
        lo = kw.get("min", 0.0)
        ref = stats.truncnorm(a=(lo - kw["mean"]) / sd, b=np.inf, loc=kw["mean"], scale=sd)
    elif d == "lognormal":
        sd = kw["sd"] if "sd" in kw else kw["cv"] * kw["mean"]
        sigma2 = math.log(1 + (sd / kw["mean"]) ** 2)
        ref = stats.lognorm(s=math.sqrt(sigma2), scale=math.exp(math.log(kw["mean"]) - sigma2 / 2))
    elif d == "gamma":
        cv = kw["cv"] if "cv" in kw else kw["sd"] / kw["mean"]
        shape = 1 / cv**2
        ref = stats.gamma(a=shape, scale=kw["mean"] / shape)
    elif d == "erlang":
        ref = stats.gamma(a=kw["k"], scale=kw["mean"] / kw["k"])
    elif d == "triangular":
        a, c, b = kw["min"], kw["mode"], kw["max"]
        ref = stats.triang(c=(c - a) / (b - a), loc=a, scale=b - a)
    elif d == "uniform":
        ref = stats.uniform(loc=kw["min"], scale=kw["max"] - kw["min"])
    elif d == "empirical":
        x = np.asarray(kw["values"], dtype=float)
        m, v = x.mean(), ((x - x.mean()) ** 2).mean()
        return m, v, ((x - m) ** 4).mean() / v**2 - 3
    else:  # pragma: no cover
        raise AssertionError(d)
    m, v, _, k = (float(z) for z in ref.stats(moments="mvsk"))
    return m, v, k


CASES = {
    "exponential": dict(dist="exponential", mean=40.0),
    "normal-sd": dict(dist="normal", mean=40.0, sd=4.0),
    "normal-cv": dict(dist="normal", mean=40.0, cv=0.25),
    # truncation at 0 bites hard: alpha = -1.25, the realised mean is well above `mean`
    "normal-truncated-at-0": dict(dist="normal", mean=10.0, sd=8.0),
    "normal-truncated-at-min": dict(dist="normal", mean=40.0, sd=10.0, min=35.0),
    "lognormal-cv": dict(dist="lognormal", mean=40.0, cv=0.5),
    "lognormal-sd": dict(dist="lognormal", mean=40.0, sd=8.0),
    "gamma": dict(dist="gamma", mean=40.0, cv=0.7),
    "gamma-sd": dict(dist="gamma", mean=40.0, sd=60.0),
    "erlang": dict(dist="erlang", mean=40.0, k=3),
    "triangular": dict(dist="triangular", min=30.0, mode=35.0, max=50.0),
    "triangular-mode-at-min": dict(dist="triangular", min=30.0, mode=30.0, max=50.0),
    "uniform": dict(dist="uniform", min=30.0, max=50.0),
    "empirical": dict(dist="empirical", values=EMPIRICAL_VALUES),
}


def test_cases_cover_every_distribution():
    """The moment tests below exercise every distribution name the scenario format knows
    (constant has its own test)."""
    assert {kw["dist"] for kw in CASES.values()} | {"constant"} == set(DIST_NAMES)


@pytest.mark.parametrize("name", list(CASES))
def test_claimed_moments_match_independent_formulas(name):
    """mean_s() and variance_s2() equal the exact moments of the distribution the parameters
    describe (normal: the truncated normal above `min`, from scipy.stats.truncnorm)."""
    kw = CASES[name]
    d = spec(**kw)
    m, v, _ = _reference(kw)
    assert d.mean_s() == pytest.approx(m, rel=1e-9)
    assert d.variance_s2() == pytest.approx(v, rel=1e-9)
    assert d.coefficient_of_variation() == pytest.approx(math.sqrt(v) / m, rel=1e-9)


@pytest.mark.parametrize("name", list(CASES))
def test_sample_moments_match_claimed_moments(name):
    """N draws from sampler(rng) have mean within 5 standard errors of mean_s() and variance within
    5 standard errors of variance_s2().

    SE(mean) = sqrt(var / N) from the exact variance. SE(sample variance) ≈ var·sqrt((κ + 2) / N)
    with κ the exact excess kurtosis (the large-N variance of s² is (μ4 − σ⁴)/N); this is the
    'loose' relative tolerance, about 5·sqrt((κ+2)/N) ≈ 1.6 % for the normal and 6-25 % for the
    heavy-tailed lognormal and gamma cases.
    """
    kw = CASES[name]
    d = spec(**kw)
    draw = d.sampler(np.random.default_rng(20240 + sorted(CASES).index(name)))
    x = np.fromiter((draw() for _ in range(N)), dtype=float, count=N)
    m, v = d.mean_s(), d.variance_s2()
    _, _, kurt = _reference(kw)
    assert abs(x.mean() - m) <= K_SE * math.sqrt(v / N), (x.mean(), m)
    se_var = v * math.sqrt((kurt + 2) / N)
    assert abs(x.var(ddof=1) - v) <= K_SE * se_var, (x.var(ddof=1), v)
    assert x.min() >= 0.0  # durations are never negative


def test_truncated_normal_draws_respect_min():
    """A normal truncated at `min` never draws below it (truncation by resampling, not clipping:
    no atom of probability at `min`)."""
    d = spec(dist="normal", mean=40.0, sd=10.0, min=35.0)
    draw = d.sampler(np.random.default_rng(3))
    x = np.array([draw() for _ in range(50_000)])
    assert x.min() >= 35.0
    assert np.count_nonzero(x == 35.0) == 0


def test_constant_draws_its_value():
    """constant: every draw is the value; mean is the value, variance 0; a bare duration is the same."""
    d = spec(dist="constant", value="1.5 min")
    draw = d.sampler(np.random.default_rng(0))
    assert {draw() for _ in range(1000)} == {90.0}
    assert d.mean_s() == 90.0 and d.variance_s2() == 0.0
    assert _spec.validate_python("1.5 min") == d
    assert _spec.validate_python(90) == d


def test_zero_spread_normal_and_lognormal_are_constant():
    """normal and lognormal with cv 0 draw exactly the mean, with variance 0."""
    for kw in (dict(dist="normal", mean=40, cv=0), dict(dist="lognormal", mean=40, sd=0)):
        d = spec(**kw)
        draw = d.sampler(np.random.default_rng(1))
        assert {draw() for _ in range(3000)} == {40.0}
        assert d.mean_s() == 40.0 and d.variance_s2() == 0.0


def test_parameters_accept_duration_strings():
    """Distribution parameters that are durations accept unit strings ('40 s', '1.5 min')."""
    assert spec(dist="exponential", mean="1.5 min").mean_s() == 90.0
    assert spec(dist="uniform", min="1 min", max="2 min").mean_s() == 90.0
    assert spec(dist="normal", mean="1 h", sd="6 min").sd_s == 360.0


@pytest.mark.parametrize("name", list(CASES))
def test_same_generator_seed_gives_same_sequence(name):
    """Sampling is a pure function of the generator: the same seed gives the same sequence
    (across the block refill boundary), a different seed a different one."""
    d = spec(**CASES[name])
    n = 2500  # more than two blocks
    a = d.sampler(np.random.default_rng(11))
    b = d.sampler(np.random.default_rng(11))
    c = d.sampler(np.random.default_rng(12))
    xa = [a() for _ in range(n)]
    xb = [b() for _ in range(n)]
    xc = [c() for _ in range(n)]
    assert xa == xb
    assert xa != xc


@pytest.mark.parametrize(
    "kw, fragment",
    [
        (dict(dist="exponential", mean=-40), "> 0"),
        (dict(dist="exponential", mean="-5 s"), "> 0"),
        (dict(dist="exponential", mean=0), "> 0"),
        (dict(dist="normal", mean=-40, sd=1), "> 0"),
        (dict(dist="normal", mean=40, cv=-0.1), "greater than or equal to 0"),
        (dict(dist="lognormal", mean=40, cv=-0.1), "greater than or equal to 0"),
        (dict(dist="gamma", mean=40, cv=-0.5), "greater than or equal to 0"),
        (dict(dist="gamma", mean=40, cv=0), "spread > 0"),
        (dict(dist="normal", mean=40, sd=-1), ">= 0"),
        (dict(dist="normal", mean=40, sd=4, cv=0.1), "exactly one of 'sd'"),
        (dict(dist="lognormal", mean=40, sd=4, cv=0.1), "exactly one of 'sd'"),
        (dict(dist="normal", mean=40), "exactly one of 'sd'"),
        (dict(dist="normal", mean=10, sd=1, min=20), "6 sd"),
        (dict(dist="erlang", mean=40, k=0), "greater than or equal to 1"),
        (dict(dist="erlang", mean=40, k=2.5), "integer"),
        (dict(dist="triangular", min=50, mode=40, max=30), "min <= mode <= max"),
        (dict(dist="triangular", min=30, mode=60, max=50), "min <= mode <= max"),
        (dict(dist="triangular", min=30, mode=30, max=30), "min < max"),
        (dict(dist="uniform", min=50, max=30), "min < max"),
        (dict(dist="uniform", min=30, max=30), "min < max"),
        (dict(dist="uniform", min=-1, max=30), ">= 0"),
        (dict(dist="empirical", values=[]), "at least 1"),
        (dict(dist="empirical", values=[1, -2]), ">= 0"),
        (dict(dist="exponential", mean=40, sd=3), "Extra inputs"),
        (dict(dist="weibull", mean=40), "does not match any of the expected tags"),
        (dict(dist="constant", value=-1), ">= 0"),
    ],
)
def test_bad_parameters_rejected(kw, fragment):
    """Impossible or ambiguous parameters are a ValidationError that says what is expected."""
    with pytest.raises(ValidationError) as info:
        spec(**kw)
    assert fragment in str(info.value)


def test_bare_duration_cycle_time_is_constant():
    """A bare cycle_time ('75 s' or 75) on a Station validates as a constant distribution."""
    for bare in ("75 s", 75, 75.0, "1.25 min"):
        st = Station(name="S1", cycle_time=bare)
        assert isinstance(st.cycle_time, Constant)
        assert st.cycle_time.value == 75.0
        assert st.cycle_time.variance_s2() == 0.0


def test_bare_mtbf_is_exponential_and_bare_mttr_constant():
    """A bare mtbf is exponential with that mean (the contract's 'exponential unless a dist is
    given'); a bare mttr is constant."""
    f = Failures(mtbf="1 h", mttr="5 min")
    assert isinstance(f.mtbf, Exponential) and f.mtbf.mean == 3600.0
    assert isinstance(f.mttr, Constant) and f.mttr.value == 300.0
    assert TypeAdapter(RandomInterval).validate_python(90) == Exponential(dist="exponential", mean=90)


def test_explicit_dist_is_kept_for_mtbf():
    """An mtbf given with a dist keeps that dist (the bare-duration rule does not override it)."""
    f = Failures(mtbf={"dist": "gamma", "mean": "1 h", "cv": 0.5}, mttr="5 min")
    assert f.mtbf.dist == "gamma" and f.mtbf.variance_s2() == pytest.approx((0.5 * 3600) ** 2)


def test_specs_are_frozen_and_forbid_extra_keys():
    """Specs are immutable once validated, and unknown parameters are errors."""
    d = spec(dist="exponential", mean=40)
    with pytest.raises(ValidationError):
        d.mean = 10  # type: ignore[misc]
    with pytest.raises(ValidationError, match="Extra inputs"):
        TypeAdapter(AnyDist).validate_python({"dist": "uniform", "min": 1, "max": 2, "mode": 1})


# -- scaled(k): the distribution of k·X (sweeps' relative values) -------------------------------
SCALE_CASES = {**CASES, "constant": dict(dist="constant", value=45.0)}


def _exact_moments(kw: dict) -> tuple[float, float]:
    if kw["dist"] == "constant":
        return kw["value"], 0.0
    m, v, _ = _reference(kw)
    return m, v


@pytest.mark.parametrize("k", [0.5, 0.9, 1.1, 3.0])
@pytest.mark.parametrize("name", list(SCALE_CASES))
def test_scaled_multiplies_mean_by_k_and_variance_by_k_squared(name, k):
    """scaled(k) is the distribution of k·X for every distribution: its mean is k × the exact
    mean of the original parameters and its variance k² × the exact variance (independent
    formulas, scipy.stats), the kind is kept, and it is validated (frozen, same class)."""
    kw = SCALE_CASES[name]
    d = spec(**kw)
    s = d.scaled(k)
    m, v = _exact_moments(kw)
    assert type(s) is type(d)
    assert s.mean_s() == pytest.approx(k * m, rel=1e-9)
    assert s.variance_s2() == pytest.approx(k * k * v, rel=1e-9, abs=1e-12)
    assert s.coefficient_of_variation() == pytest.approx(d.coefficient_of_variation(), rel=1e-9)


@pytest.mark.parametrize("name", list(SCALE_CASES))
def test_scaled_by_one_is_the_same_distribution(name):
    """scaled(1) equals the original spec (so a sweep point at scale 1.0 is the base itself)."""
    d = spec(**SCALE_CASES[name])
    assert d.scaled(1.0) == d


def test_scaled_scales_every_time_field():
    """Every time field moves: a constant's value, an empirical's values, the bounds of a uniform
    and a triangular, a normal's sd and truncation point; shape parameters (cv, k) stay; values
    are rounded to 12 significant digits (40 × 1.1 is 44, not 44.00000000000001)."""
    assert spec(dist="constant", value=40).scaled(1.1).value == 44.0
    assert spec(dist="empirical", values=[10, 20]).scaled(1.5).values == [15.0, 30.0]
    assert spec(dist="uniform", min=30, max=50).scaled(2).model_dump() == \
        {"dist": "uniform", "min": 60.0, "max": 100.0}
    t = spec(dist="triangular", min=30, mode=35, max=50).scaled(0.5)
    assert (t.min, t.mode, t.max) == (15.0, 17.5, 25.0)
    n = spec(dist="normal", mean=40, sd=10, min=35).scaled(2)
    assert (n.mean, n.sd, n.min, n.cv) == (80.0, 20.0, 70.0, None)
    g = spec(dist="gamma", mean=40, cv=0.5).scaled(2)
    assert (g.mean, g.cv, g.sd) == (80.0, 0.5, None)
    e = spec(dist="erlang", mean=40, k=3).scaled(0.5)
    assert (e.mean, e.k) == (20.0, 3)


@pytest.mark.parametrize("k", [0, -1, float("nan"), float("inf"), True, "2"])
def test_scaled_refuses_a_factor_that_is_not_positive(k):
    """A scale factor must be a finite number > 0 (0 would make a zero duration)."""
    with pytest.raises(ValueError, match="scale factor"):
        spec(dist="exponential", mean=40).scaled(k)
