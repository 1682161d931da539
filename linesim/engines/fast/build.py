"""Scenario → the fast engine's arrays, and the driver that runs them (the one translation place).

Stage: inside ``engines.fast``, between the frozen Scenario and ``core``. ``build`` lays the plant
out exactly as ``engines/simpy/model.Line.__init__`` does (edge order, outputs order, waiter
queues, processes in creation order, the random streams each process uses) so that ``core``
can mirror the SimPy model step for step. ``run_counters`` drives one replication through the
warm-up and the observation window and returns the same counters snapshots as
``Line.counters`` plus the bottleneck seconds and buffer maxima.

Refills: the core stops at an event boundary when a stream's ring holds less than a block;
``_drive`` appends one block to every such stream (the same ``spec._draw(gen, BLOCK)`` /
``gen.random(BLOCK)`` calls the SimPy samplers make), then resumes. The bottleneck detector
(``detector``, the compiled twin of ``bottleneck.ActivePeriods``) is fed from inside the loop.
"""

from __future__ import annotations

import math
from typing import Callable, Optional

import numpy as np

from ...calendars import ContinuousCalendar, build_calendar
from ...distributions import BLOCK, Constant
from ...scenario import UNLIMITED, ByProductRouting, Scenario
from ...series import boundaries, integral, level_bins
from ...states import STARVED, WORKING
from ...streams import PLAN, Purpose, name_key, stream
from . import Overflow, core, detector


UNLIMITED_RING = 1 << 16  # parts an unlimited edge can hold before the run falls back


def _key(spec) -> str:
    return spec if isinstance(spec, str) else spec.model_dump_json()


def _cap(value) -> float:
    return math.inf if value == UNLIMITED else float(value)


class _Streams:
    """The random streams of one replication: id → how to draw its next block."""

    def __init__(self):
        self.const: list[float] = []
        self.fills: list = []  # callables n -> array, or None for a constant

    def add(self, spec, gen) -> int:
        sid = len(self.const)
        if isinstance(spec, Constant):
            self.const.append(spec.value)
            self.fills.append(None)
        else:
            self.const.append(math.nan)
            self.fills.append(lambda n, spec=spec, gen=gen: spec._draw(gen, n))
        return sid

    def add_uniform(self, gen) -> int:
        sid = len(self.const)
        self.const.append(math.nan)
        self.fills.append(lambda n, gen=gen: gen.random(n))
        return sid


def build(scenario: Scenario, replication: int):
    """The arrays of one replication (see ``core``), its streams, and a layout record."""
    seed = scenario.run.seed
    specs = scenario.stations
    n_st = len(specs)
    by_name = {st.name: i for i, st in enumerate(specs)}
    products = scenario.products
    names = list(products.names) if products else []
    nv = len(names)
    nvq = max(nv, 1)

    # Calendars: one per distinct spec, the output calendar first (the reference clock).
    out_spec = scenario.output_calendar()
    cal_objs, cal_index = [], {}

    def cal_of(spec) -> int:
        k = _key(spec)
        if k not in cal_index:
            cal_index[k] = len(cal_objs)
            cal_objs.append(build_calendar(spec))
        return cal_index[k]

    out_cal = cal_of(out_spec)
    st_cal = np.array([cal_of(scenario.station_calendar(st)) for st in specs], dtype=np.int64)
    n_cal = len(cal_objs)
    cal_cont = np.zeros(n_cal, dtype=np.int64)
    cal_per = np.zeros(n_cal)
    cal_a0 = np.zeros(n_cal, dtype=np.int64)
    cal_n = np.zeros(n_cal, dtype=np.int64)
    starts, lens, cums = [], [], []
    repairs_off = np.zeros(n_cal, dtype=np.int64)
    for c, cal in enumerate(cal_objs):
        cal_per[c] = cal.scheduled_s_per_period
        repairs_off[c] = 1 if cal.repairs_off_shift else 0
        if isinstance(cal, ContinuousCalendar):
            cal_cont[c] = 1
            continue
        cal_a0[c] = len(starts)
        cal_n[c] = len(cal._starts)
        starts += cal._starts
        lens += cal._lens
        cums += cal._cum
    st_ref_cal = np.array([-1 if st_cal[i] == out_cal else out_cal for i in range(n_st)],
                          dtype=np.int64)

    # Edges, in model.Line's order: per station its arrival queue and one edge per input;
    # then the rework lanes.
    e_up, e_down, e_kind, e_capv = [], [], [], []
    inputs = [[] for _ in range(n_st)]  # (edge, q)
    outputs = [[] for _ in range(n_st)]
    lanes = [[] for _ in range(n_st)]
    rework_lane = [-1] * n_st
    conveyors = {}  # edge -> ConveyorSpec

    def new_edge(up, down, kind, cap) -> int:
        e_up.append(up)
        e_down.append(down)
        e_kind.append(kind)
        e_capv.append(cap)
        return len(e_up) - 1

    for i, spec in enumerate(specs):
        if spec.arrivals is not None:
            inputs[i].append((new_edge(-1, i, "queue", _cap(spec.arrivals.queue)), 1))
        for name in spec.inputs:
            u = by_name[name]
            conv = specs[u].conveyor
            if conv is not None:
                e = new_edge(u, i, "conveyor", _cap(conv.capacity))
                conveyors[e] = conv
            else:
                e = new_edge(u, i, "buffer", _cap(specs[u].buffer_after))
            inputs[i].append((e, spec.quantity_from(name)))
            outputs[u].append(e)
    for i, spec in enumerate(specs):
        if spec.rework is not None:
            t = by_name[spec.rework.to]
            lane = new_edge(i, t, "rework", math.inf)
            rework_lane[i] = lane
            lanes[t].append(lane)
    n_e = len(e_up)

    # Waiter queues: one slot-waiter queue per edge; part waiters per edge, or one shared by
    # all inputs and lanes of a merge station.
    q_cap = []
    e_swq = np.zeros(n_e, dtype=np.int64)
    e_pwq = np.zeros(n_e, dtype=np.int64)
    servers = [st.servers for st in specs]

    def new_q(size) -> int:
        q_cap.append(size)
        return len(q_cap) - 1

    for e in range(n_e):
        up = e_up[e]
        e_swq[e] = new_q(64 + 8 * (servers[up] if up >= 0 else 1))
    in_kind = np.zeros(n_st, dtype=np.int64)
    st_shared_q = np.full(n_st, -1, dtype=np.int64)
    for i, spec in enumerate(specs):
        edges = [e for e, _ in inputs[i]]
        if spec.assembly is not None:
            in_kind[i] = core.IN_ASSEMBLY
            for e in edges:
                e_pwq[e] = new_q(64 + 8 * servers[i] * (1 + sum(q for _, q in inputs[i])))
            for lane in lanes[i]:
                e_pwq[lane] = new_q(64 + 8 * servers[i])
        elif len(edges) + len(lanes[i]) > 1:
            # model: a merge's inputs and lanes share one waiting list; a source (no inputs)
            # with rework lanes still never waits (``unlimited`` is decided first).
            in_kind[i] = core.IN_MERGE if edges else core.IN_UNLIMITED
            shared = new_q(64 + 8 * servers[i])
            st_shared_q[i] = shared
            for e in edges + lanes[i]:
                e_pwq[e] = shared
        else:
            in_kind[i] = core.IN_UNLIMITED if not edges else core.IN_SINGLE
            for e in edges + lanes[i]:
                e_pwq[e] = new_q(64 + 8 * servers[i])
    q_cap = np.array(q_cap, dtype=np.int64)
    q_off = np.concatenate([[0], np.cumsum(q_cap)[:-1]]).astype(np.int64)

    # Parts rings.
    e_ring = np.array([UNLIMITED_RING if math.isinf(c) else max(int(c), 1) for c in e_capv],
                      dtype=np.int64)
    e_off = np.concatenate([[0], np.cumsum(e_ring)[:-1]]).astype(np.int64)
    # Occupancy histograms: series.level_bins levels per edge (offsets made absolute after pack).
    e_bins = np.array([level_bins(c) for c in e_capv], dtype=np.int64)
    e_lt_off = np.concatenate([[0], np.cumsum(e_bins)[:-1]]).astype(np.int64)

    # Per-station input/output tables.
    st_in0, st_nin, in_edges, in_q, in_qv, in_seq = [], [], [], [], [], []
    st_first_q = np.zeros(n_st, dtype=np.int64)
    for i, spec in enumerate(specs):
        st_in0.append(len(in_edges))
        st_nin.append(len(inputs[i]))
        sequenced = set(spec.in_sequence_inputs(names)) if spec.assembly is not None else set()
        for j, (e, q) in enumerate(inputs[i]):
            in_edges.append(e)
            in_q.append(q)
            up = e_up[e]
            up_name = specs[up].name if up >= 0 else None
            for v in range(nvq):
                if spec.assembly is not None and nv and up_name is not None:
                    in_qv.append(spec.quantity_from(up_name, names[v]))
                else:
                    in_qv.append(q)
            in_seq.append(1 if (j > 0 and nv and up_name in sequenced) else 0)
        if inputs[i]:
            st_first_q[i] = inputs[i][0][1]
    st_lane0, st_nlanes, lane_list = [], [], []
    for i in range(n_st):
        st_lane0.append(len(lane_list))
        st_nlanes.append(len(lanes[i]))
        lane_list += lanes[i]
    st_out0, st_nout, out_edges, out_cum = [], [], [], []
    st_route = np.zeros(n_st, dtype=np.int64)
    allowed_off = np.zeros(n_st * nvq, dtype=np.int64)
    allowed_n = np.zeros(n_st * nvq, dtype=np.int64)
    allowed = []
    for i, spec in enumerate(specs):
        outs = outputs[i]
        st_out0.append(len(out_edges))
        st_nout.append(len(outs))
        out_edges += outs
        routing = spec.routing
        if not outs:
            st_route[i] = core.R_SINK
        elif len(outs) == 1:
            st_route[i] = core.R_ONE
        elif isinstance(routing, ByProductRouting):
            st_route[i] = core.R_BY_VARIANT
            edge_of = {specs[e_down[e]].name: e for e in outs}
            for v, vname in enumerate(names):
                allowed_off[i * nvq + v] = len(allowed)
                targets = [edge_of[d] for d in routing.targets(vname)]
                allowed_n[i * nvq + v] = len(targets)
                allowed += targets
        elif isinstance(routing, dict):
            st_route[i] = core.R_FRACTIONS
        else:
            st_route[i] = core.R_FIRST_FREE
        total = 0.0
        for e in outs:
            if isinstance(routing, dict):
                total += routing[specs[e_down[e]].name]
            out_cum.append(total)

    # Processes in creation order: the conveyors' (built with the edges), then per station its
    # servers and its arrival stream. A conveyor process's p_st is its edge.
    p_kind, p_st, p_k = [], [], []
    e_wake_p = np.zeros(n_e, dtype=np.int64)
    for e in sorted(conveyors):
        e_wake_p[e] = len(p_kind)
        p_kind.append(core.K_CONVEYOR)
        p_st.append(e)
        p_k.append(0)
    for i, spec in enumerate(specs):
        for k in range(spec.servers):
            p_kind.append(core.K_SERVER)
            p_st.append(i)
            p_k.append(k)
        if spec.arrivals is not None:
            p_kind.append(core.K_ARRIVAL)
            p_st.append(i)
            p_k.append(0)
    n_p = len(p_kind)

    # Streams.
    streams = _Streams()
    nvp = nvq
    p_s_proc = np.full(n_p * nvp, -1, dtype=np.int64)
    p_s_setup = np.full(n_p, -1, dtype=np.int64)
    p_s_fail = np.full(n_p, -1, dtype=np.int64)
    p_s_repair = np.full(n_p, -1, dtype=np.int64)
    p_s_scrap = np.full(n_p, -1, dtype=np.int64)
    p_s_rework = np.full(n_p, -1, dtype=np.int64)
    p_s_route = np.full(n_p, -1, dtype=np.int64)
    p_s_arrival = np.full(n_p, -1, dtype=np.int64)
    st_plan = np.full(n_st, -1, dtype=np.int64)
    st_fail = np.zeros(n_st, dtype=np.int64)
    st_setup = np.full(n_st, -1, dtype=np.int64)
    st_scrap = np.array([st.scrap for st in specs], dtype=np.float64)
    st_rework = np.array([st.rework.fraction if st.rework is not None else 0.0 for st in specs])
    st_repair_plain = np.zeros(n_st, dtype=np.int64)
    st_lose = np.zeros(n_st, dtype=np.int64)

    def plan_stream() -> int:
        return streams.add_uniform(stream(seed, replication, PLAN, Purpose.PRODUCT))

    for i, spec in enumerate(specs):
        if products and products.mix is not None and spec.is_source and spec.arrivals is None:
            st_plan[i] = plan_stream()
        if spec.failures is not None:
            st_fail[i] = core.F_OPERATING if spec.failures.basis == "operating" else core.F_SCHEDULED
            cal = cal_objs[st_cal[i]]
            st_repair_plain[i] = 1 if (cal.is_continuous or cal.repairs_off_shift) else 0
        if spec.setup is not None:
            st_setup[i] = 1
        if spec.arrivals is not None:
            st_lose[i] = 1 if spec.arrivals.when_full == "lose" else 0
    for p in range(n_p):
        if p_kind[p] == core.K_CONVEYOR:
            continue
        i, k = p_st[p], p_k[p]
        spec = specs[i]
        name = spec.name
        if p_kind[p] == core.K_ARRIVAL:
            p_s_arrival[p] = streams.add(spec.arrivals.interarrival,
                                         stream(seed, replication, name, Purpose.ARRIVAL, 0))
            if products and products.mix is not None:
                st_plan[i] = plan_stream()
            continue

        def rng(purpose):
            return stream(seed, replication, name, purpose, k)

        if products:
            times = spec.cycle_times()
            if None in times:
                sid = streams.add(times[None], rng(Purpose.PROCESS))
                for v in range(nvp):
                    p_s_proc[p * nvp + v] = sid
            else:
                for v, vname in enumerate(names):
                    p_s_proc[p * nvp + v] = streams.add(
                        times[vname], stream(seed, replication, name, Purpose.PROCESS, k,
                                             name_key(vname)))
            if spec.setup is not None:
                p_s_setup[p] = streams.add(spec.setup.time, rng(Purpose.SETUP))
        else:
            p_s_proc[p * nvp] = streams.add(spec.cycle_time, rng(Purpose.PROCESS))
        if spec.scrap > 0:
            p_s_scrap[p] = streams.add_uniform(rng(Purpose.SCRAP))
        if spec.rework is not None and spec.rework.fraction > 0:
            p_s_rework[p] = streams.add_uniform(rng(Purpose.REWORK))
        if st_route[i] == core.R_FRACTIONS:
            p_s_route[p] = streams.add_uniform(rng(Purpose.ROUTING))
        if spec.failures is not None:
            p_s_fail[p] = streams.add(spec.failures.mtbf_dist(), rng(Purpose.FAILURE))
            p_s_repair[p] = streams.add(spec.failures.mttr, rng(Purpose.REPAIR))

    n_s = len(streams.const)
    r_const = np.array(streams.const, dtype=np.float64)
    r_fill = np.where(np.isnan(r_const), 0, 1 << 62).astype(np.int64)

    mix_cum = np.zeros(max(nv, 1))
    plan_kind = 0
    seq_pattern = np.zeros(1, dtype=np.int64)
    if products:
        if products.mix is not None:
            total = 0.0
            for j, vname in enumerate(names):
                total += products.mix[vname]
                mix_cum[j] = total
        else:
            plan_kind = 1
            seq_pattern = np.array([names.index(v) for v in products.sequence], dtype=np.int64)

    max_in = max([len(x) for x in inputs] + [1])
    row = core.MAX_IN  # the per-process rows over inputs have core's fixed width
    heap, fifo = core.HEAP_CAP, core.FIFO_CAP  # fixed (see core)
    i64 = lambda n, v=0: np.full(n, v, dtype=np.int64)  # noqa: E731
    f64 = lambda n, v=0.0: np.full(n, v, dtype=np.float64)  # noqa: E731
    fields = dict(
        cal_cont=cal_cont, cal_per=cal_per, cal_a0=cal_a0, cal_n=cal_n,
        cal_starts=np.array(starts + [0.0]), cal_lens=np.array(lens + [0.0]),
        cal_cum=np.array(cums + [0.0]), cal_seg=np.zeros((n_cal, 4)),
        r_const=r_const, r_pos=i64(n_s), r_fill=r_fill,
        h_t=f64(heap), h_seq=i64(heap), h_p=i64(heap), h_tok=i64(heap),
        f_p=i64(fifo), f_tok=i64(fifo), wait_tok=i64(n_p), fired=i64(n_p),
        q_n=i64(len(q_cap)), q_cap=q_cap, q_off=q_off, q_head=i64(len(q_cap)),
        q_p=i64(int(q_cap.sum())), q_tok=i64(int(q_cap.sum())),
        e_n=i64(n_e), e_ring=e_ring, e_off=e_off, e_head=i64(n_e), pe=f64(int(e_ring.sum())),
        pv=i64(int(e_ring.sum())), e_area=f64(n_e), e_tlast=f64(n_e), e_pwq=e_pwq, e_swq=e_swq,
        e_free=np.array(e_capv, dtype=np.float64), e_max=i64(n_e),
        in_e=f64(n_p), in_v=i64(n_p), in_edge=i64(n_p, -1), movable=i64(n_p, 1),
        held_e=f64(n_p), held_v=i64(n_p),
        st_inactive=i64(n_st), p_st=np.array(p_st, dtype=np.int64), st_cal=st_cal,
        c_state=i64(n_p), c_since_s=f64(n_p), c_acc=np.zeros((n_p, 6)), c_since_t=f64(n_p),
        c_starts=np.zeros((n_p, 6), dtype=np.int64), st_ref_cal=st_ref_cal, st_in_kind=in_kind,
        c_nmissing=i64(n_p), st_nin=np.array(st_nin, dtype=np.int64),
        c_missing=np.zeros((n_p, row), dtype=np.int64), c_missing_s=np.zeros((n_p, row)),
        c_missing_starts=np.zeros((n_p, row), dtype=np.int64),
        exited_by=i64(max(nv, 1)), st_plan=st_plan,
        mix_cum=mix_cum, st_seqpos=i64(n_st), seq_pattern=seq_pattern,
        st_lane0=np.array(st_lane0, dtype=np.int64), st_nlanes=np.array(st_nlanes, dtype=np.int64),
        lanes=np.array(lane_list + [0], dtype=np.int64), st_in0=np.array(st_in0, dtype=np.int64),
        in_edges=np.array(in_edges + [0], dtype=np.int64), st_turn=i64(n_st),
        in_seq=np.array(in_seq + [0], dtype=np.int64), oos=i64(len(in_edges) + 1),
        p_pc=i64(n_p), st_fail=st_fail, p_left=f64(n_p), p_s_fail=p_s_fail,
        need=np.zeros((n_p, row), dtype=np.int64), kit_taken=i64(n_p), part_e=f64(n_p),
        part_v=i64(n_p), last_v=i64(n_p, -1), p_work=f64(n_p), st_shared_q=st_shared_q,
        tmp_mask=np.zeros((n_p, row), dtype=np.int64), st_first_q=st_first_q,
        in_qv=np.array(in_qv + [0], dtype=np.int64),
        in_q=np.array(in_q + [0], dtype=np.int64), st_setup=st_setup, p_s_setup=p_s_setup,
        p_s_proc=p_s_proc, st_failures=i64(n_st), p_s_repair=p_s_repair,
        st_repair_plain=st_repair_plain, st_scrap=st_scrap, p_s_scrap=p_s_scrap,
        st_rework=st_rework, p_s_rework=p_s_rework,
        st_rework_lane=np.array(rework_lane, dtype=np.int64), st_route=st_route,
        st_out0=np.array(st_out0, dtype=np.int64), st_nout=np.array(st_nout, dtype=np.int64),
        out_edges=np.array(out_edges + [0], dtype=np.int64), allowed_off=allowed_off,
        allowed_n=allowed_n, allowed=np.array(allowed + [0], dtype=np.int64),
        p_s_route=p_s_route, out_cum=np.array(out_cum + [0.0]), st_lose=st_lose,
        st_offered=i64(n_st), st_lost=i64(n_st),
        p_s_arrival=p_s_arrival, p_kind=np.array(p_kind, dtype=np.int64),
        tm_tok=i64(n_p), fc_state=i64(n_p), fc_tok=i64(n_p), cond_tok=i64(n_p),
        cond_pending=i64(n_p), p_ret=i64(n_p), p_wstate=i64(n_p), bl_dest=i64(n_p, -1),
        fc_due=f64(n_p), p_done=f64(n_p), p_s0=f64(n_p),
        p_cond=np.array([1 if p_kind[p] == core.K_SERVER and st_fail[p_st[p]] == core.F_SCHEDULED
                         else 0 for p in range(n_p)], dtype=np.int64),
        e_conv=np.array([1 if e in conveyors else 0 for e in range(n_e)], dtype=np.int64),
        e_ucal=np.array([st_cal[e_up[e]] if e in conveyors else 0 for e in range(n_e)],
                        dtype=np.int64),
        e_transfer=np.array([conveyors[e].transfer_time if e in conveyors else 0.0
                             for e in range(n_e)]),
        e_mv_off=e_off, e_mv_head=i64(n_e), e_mv_n=i64(n_e), e_wake_p=e_wake_p,
        mv_t=f64(int(e_ring.sum())), mv_e=f64(int(e_ring.sum())), mv_v=i64(int(e_ring.sum())),
        e_lt_off=e_lt_off, e_lt_top=e_bins - 1, e_lt=f64(int(e_bins.sum())),
    )
    dims = {core.I_NV: nv, core.I_NVQ: nvq, core.I_NVP: nvp, core.I_PLAN_KIND: plan_kind,
            core.I_OUT_CAL: out_cal, core.I_HEAP_CAP: heap, core.I_FIFO_CAP: fifo,
            core.I_NP: n_p, core.I_NE: n_e, core.I_NSEQ: len(seq_pattern),
            core.I_MAXIN: max_in}
    state, v = pack(fields, dims, max_in, max(n_s, 1), detector.new_state(n_st, scenario.run.warmup))
    v.e_lt_off[:n_e] += state[core.O_E_LT]  # core reads the bins at M[e_lt_off[e] + level]
    v.e_bins = e_bins.tolist()
    # Line.__init__: every server's clock starts at t = 0, starved unless it is an unlimited
    # source; a station with every server working opens an active period at once.
    for p in range(n_p):
        if p_kind[p] != core.K_SERVER:
            continue
        i = p_st[p]
        v.c_state[p] = WORKING if in_kind[i] == core.IN_UNLIMITED else STARVED
        v.c_since_s[p] = cal_objs[st_cal[i]].sched(0.0)
        if in_kind[i] != core.IN_UNLIMITED:
            v.st_inactive[i] += 1
    layout = {
        "calendars": cal_objs, "out_cal": out_cal, "edges": list(zip(e_up, e_down, e_kind, e_capv)),
        "inputs": inputs, "servers": [[p for p in range(n_p) if p_st[p] == i and
                                       p_kind[p] == core.K_SERVER] for i in range(n_st)],
        "initially_active": [i for i in range(n_st) if v.st_inactive[i] == 0],
    }
    return state, v, streams, layout


class Views:
    """Named numpy views of a State's fields (Python-side reading and writing)."""


def pack(fields: dict, dims: dict, max_in: int, n_streams: int, det) -> tuple[np.ndarray, Views]:
    """Lay the named arrays out in one int64 array ``M`` (floats read through its float64 view;
    the header holds every field's offset, see ``core``); returns M and named views into it."""
    offsets, sizes = {}, {}
    fixed = dict(core.FIXED)
    for name in core.INT_FIELDS + core.FLOAT_FIELDS:
        size = max(np.asarray(fields[name]).size, 1)
        if name in fixed:
            if size > fixed[name]:
                raise ValueError(f"fast engine: {name} needs {size} > {fixed[name]} entries "
                                 "(limits.problems should have refused the scenario)")
            offsets[name], sizes[name] = getattr(core, "A_" + name.upper()), size
    rv = core.A_RV
    n = rv + n_streams * core.RING
    for name in core.INT_FIELDS + core.FLOAT_FIELDS:
        if name not in fixed:
            size = max(np.asarray(fields[name]).size, 1)
            offsets[name], sizes[name] = n, size
            n += size
    det_f = n
    n += det.f.size
    det_i = n
    n += det.i.size
    M = np.zeros(n, dtype=np.int64)
    F = M.view(np.float64)
    for k, value in dims.items():
        M[k] = value
    M[core.I_RV], M[core.I_DET_F], M[core.I_DET_FN] = rv, det_f, det.f.size
    M[core.I_DET_I], M[core.I_DET_IN] = det_i, det.i.size
    F[det_f:det_f + det.f.size] = det.f
    M[det_i:det_i + det.i.size] = det.i
    views = Views()
    views.I = M
    views.F = F
    views.RV = F[rv:rv + n_streams * core.RING].reshape(n_streams, core.RING)
    views.DET = detector.DetectorState(F[det_f:det_f + det.f.size], M[det_i:det_i + det.i.size])
    for name in core.INT_FIELDS + core.FLOAT_FIELDS:
        M[getattr(core, "O_" + name.upper())] = offsets[name]
        buf = M if name in core.INT_FIELDS else F
        view = buf[offsets[name]:offsets[name] + sizes[name]]
        arr = np.asarray(fields[name])
        if arr.size:
            view[:arr.size] = arr.ravel()
        width = core.WIDTH.get(name)
        if width is not None:
            width = core.MAX_IN if width == "maxin" else width
            view = view[:arr.size].reshape(-1, width)
        setattr(views, name, view)
    return M, views


def _refill(state: np.ndarray, v: Views, streams: _Streams) -> None:
    """Top up every stream with room for two blocks or more, block by block (the SimPy
    samplers' calls, in each stream's order: the same values, drawn a little earlier)."""
    low = np.nonzero(v.r_fill - v.r_pos <= core.RING - 2 * BLOCK)[0]
    for sid in low:
        fill = int(v.r_fill[sid])
        pos = int(v.r_pos[sid])
        fills = streams.fills[sid]
        while fill - pos <= core.RING - BLOCK:  # the next block overwrites only values read
            at = fill % core.RING
            v.RV[sid, at:at + BLOCK] = fills(BLOCK)
            fill += BLOCK
        v.r_fill[sid] = fill


def _drive(state: np.ndarray, v: Views, streams: _Streams, until: float) -> None:
    while True:
        status = core.run_until(state, until)
        if status == core.OVERFLOW:
            raise Overflow(f"fast engine: a queue or waiting list outgrew its ring "
                                  f"(code {int(v.I[core.I_ERR])})")
        _refill(state, v, streams)
        v.I[core.I_FLAG] = 0
        if status == core.DONE:
            return


def _counters(state: np.ndarray, v: Views, layout: dict, scenario: Scenario, now: float) -> dict:
    core.flush(state, now)
    I, F = v.I, v.F
    cal = layout["calendars"][layout["out_cal"]]
    servers = layout["servers"]
    acc = v.c_acc.tolist()
    starts = v.c_starts.tolist()
    miss_s = v.c_missing_s.tolist()
    miss_n = v.c_missing_starts.tolist()
    st_in0 = v.st_in0.tolist()
    oos = v.oos.tolist()
    specs = scenario.stations
    nv = int(v.I[core.I_NV])
    n_e = len(layout["edges"])
    return {
        "t": now,
        "sched_s": cal.sched(now),
        "entered": int(I[core.I_ENTERED]),
        "exited": int(I[core.I_EXITED]),
        "exited_by": v.exited_by[:nv].tolist() if nv else [],
        "scrapped": int(I[core.I_SCRAPPED]),
        "lost": int(I[core.I_LOST]),
        "offered_by": v.st_offered[:len(specs)].tolist(),
        "lost_by": v.st_lost[:len(specs)].tolist(),
        "consumed": int(I[core.I_CONSUMED]),
        "assembled": int(I[core.I_ASSEMBLED]),
        "wip": int(I[core.I_WIP]),
        "wip_area": float(F[core.F_WIP_AREA]),
        "lead_sum_s": float(F[core.F_LEAD]),
        "sojourn_sum_s": float(F[core.F_SOJ]),
        "state_s": [[list(acc[p]) for p in servers[i]] for i in range(len(specs))],
        "starved_episodes": [sum(starts[p][STARVED] for p in servers[i])
                             for i in range(len(specs))],
        "missing_s": [[sum(miss_s[p][j] for p in servers[i]) for j in range(len(layout["inputs"][i]))]
                      if specs[i].assembly is not None else [] for i in range(len(specs))],
        "out_of_sequence": [oos[st_in0[i]:st_in0[i] + len(specs[i].inputs)]
                            for i in range(len(specs))],
        "missing_starts": [[sum(miss_n[p][j] for p in servers[i])
                            for j in range(len(layout["inputs"][i]))]
                           if specs[i].assembly is not None else [] for i in range(len(specs))],
        "failures": v.st_failures.tolist(),
        "buffer_area": v.e_area[:n_e].tolist(),
        "buffer_level": v.e_n[:n_e].tolist(),
        "buffer_level_s": _level_seconds(v, n_e),
    }


def _level_seconds(v: Views, n_e: int) -> list:
    """Per edge, the seconds spent at each level since t = 0 (model.Buffer.level_s)."""
    lt = v.e_lt.tolist()
    offs = v.e_lt_off[:n_e] - v.e_lt_off[0]  # back to offsets in the e_lt pool
    return [lt[o:o + n] for o, n in zip(offs.tolist(), v.e_bins)]


def _snapshot(v: Views, n_e: int, conveyor: list, t: float) -> dict:
    """model.Line.snapshot: the per-period counters at ``t``, read only (no flush)."""
    I, F = v.I, v.F
    wip = int(I[core.I_WIP])
    levels = [n + m if c else n for n, m, c in zip(v.e_n[:n_e].tolist(),
                                                    v.e_mv_n[:n_e].tolist(), conveyor)]
    return {
        "t": t, "exited": int(I[core.I_EXITED]), "scrapped": int(I[core.I_SCRAPPED]),
        "lost": int(I[core.I_LOST]), "entered": int(I[core.I_ENTERED]), "wip": wip,
        "wip_area": integral(float(F[core.F_WIP_AREA]), wip, float(F[core.F_WIP_T]), t),
        "level": levels,
        "area": [integral(a, n, tl, t) for a, n, tl in zip(v.e_area[:n_e].tolist(), levels,
                                                          v.e_tlast[:n_e].tolist())],
    }


def run_counters(scenario: Scenario, replication: int, start_t: float, end_t: float,
                 on_period: Optional[Callable[[float], None]] = None):
    """One replication: (before, after, bottleneck seconds, buffer maxima, layout, snapshots),
    stopping at every period boundary (``series.boundaries``) as the SimPy engine does, with
    ``on_period(t)`` called after each."""
    state, v, streams, layout = build(scenario, replication)
    n_e = len(layout["edges"])
    conveyor = v.e_conv[:n_e].tolist()
    cal = layout["calendars"][layout["out_cal"]]
    for i in layout["initially_active"]:
        detector.report_open(v.DET, i, cal.sched(0.0))
    _refill(state, v, streams)
    snapshots = [_snapshot(v, n_e, conveyor, 0.0)]
    if start_t > 0:
        core.start(state)
    else:  # with no warm-up the SimPy engine snapshots before any process has run
        before = _counters(state, v, layout, scenario, 0.0)
        v.e_max[:] = v.e_n
        core.start(state)
    for t in boundaries(start_t, end_t, scenario.run.horizon):
        _drive(state, v, streams, t)
        if t == start_t:
            before = _counters(state, v, layout, scenario, start_t)
            v.e_max[:] = v.e_n  # warm-up ends: maxima are taken from now on
        snapshots.append(_snapshot(v, n_e, conveyor, t))
        if on_period is not None:
            on_period(t)
    after = _counters(state, v, layout, scenario, end_t)
    bottleneck_s = detector.finish(v.DET, after["sched_s"]).tolist()
    return before, after, bottleneck_s, v.e_max[:n_e].tolist(), layout, snapshots


_PREPARED = False


def prepare() -> bool:
    """Compile or load the compiled functions in this process by running a one-station line
    for a minute; True if that happened now."""
    global _PREPARED
    if _PREPARED:
        return False
    scenario = Scenario.model_validate({
        "name": "prepare", "calendar": {"shifts_per_day": 1, "shift_length": 28800,
                                        "days_per_week": 5},
        "products": {"mix": {"a": 0.5, "b": 0.5}},
        "stations": [
            {"name": "a", "cycle_time": {"dist": "exponential", "mean": 1}, "buffer_after": 1,
             "failures": {"availability": 0.9, "mttr": 5}, "scrap": 0.1},
            {"name": "b", "inputs": ["a"], "cycle_time": 1, "setup": {"time": 1},
             "rework": {"to": "a", "fraction": 0.1}},
        ],
        "run": {"horizon": 60, "replications": 1}})
    run_counters(scenario, 0, 0.0, 60.0)
    _PREPARED = True
    return True
