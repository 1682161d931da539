"""The compiled event loop of the fast engine: the SimPy engine's plant, mirrored step for step.

Stage: inside ``engines.fast``; knows nothing of SimPy, YAML or files. ``build`` translates a
scenario into the arrays of a ``State`` (see ``build.py``); the functions here advance it.

Why hand-written (and not a general event library): the point of this engine is to give the
*same sample path* as ``engines/simpy/model.py``, so it reproduces that model's processes as
explicit state machines (one per station server, arrival stream and conveyor) and SimPy's event
order exactly: events are processed by (time, scheduling order), every zero-delay event
(``succeed``, ``timeout(0)``) after all events scheduled earlier for the same instant. Entries
scheduled for a later time live in a binary heap keyed by (time, sequence number); zero-delay
entries in a FIFO ring, processed after the heap's entries for the current instant (those were
scheduled before the instant began, so SimPy's event ids put them first). Each place where the
SimPy model calls ``timeout``/``succeed`` or yields is mirrored at the same point, so ties
(constant cycle times, shift starts, hand-overs at one instant) resolve as in SimPy.

A process waits on one event at a time. An event is (process, token); ``wait_tok[p]`` is the
token of the process's current wait and ``fired[p]`` says whether that wait's event has been
triggered (SimPy's ``event.triggered``). A waiter entry left in a queue with an older token, or
whose event has fired, is "triggered" and skipped, as in the model's queues.

Random numbers are not drawn here: every stream (seed, replication, station, purpose, server)
has a ring of ``2 × BLOCK`` values filled by Python with the very block calls the SimPy
samplers make (``spec._draw(gen, BLOCK)``, ``gen.random(BLOCK)``), so the values are the same
floats. When a stream has less than a block left, the loop stops at the next event boundary
(``status`` REFILL) and the caller appends a block; a single event never draws a block's worth.

Memory does not grow with the horizon: parts are (entry time, variant) pairs in fixed rings per
edge; unlimited edges have a large ring and report OVERFLOW if it fills (the caller then runs
the replication on the SimPy engine).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from ...units import YEAR

# Server states (as states.py).
WORKING, STARVED, BLOCKED, DOWN, OFF_SHIFT, SETUP = 0, 1, 2, 3, 4, 5
ACTIVE = np.array([1, 0, 0, 1, 0, 1], dtype=np.int64)

# Status codes returned by ``run_until``.
DONE, REFILL, OVERFLOW, LOG_FULL = 0, 1, 2, 3

# Indices into the int64 scalar array I.
I_HN, I_FH, I_FT, I_SEQ, I_FLAG, I_ENTERED, I_EXITED, I_SCRAPPED, I_LOST, I_CONSUMED, \
    I_ASSEMBLED, I_WIP, I_LOGN, I_ERR, \
    I_NV, I_NVQ, I_NVP, I_PLAN_KIND, I_OUT_CAL, I_HEAP_CAP, I_FIFO_CAP, I_LOG_CAP, I_NP, I_NE, \
    I_NSEQ, I_MAXIN = range(26)
N_I = 26
# Indices into the float64 scalar array F.
F_NOW, F_WIP_AREA, F_WIP_T, F_LEAD, F_SOJ = range(5)
N_F = 5

# Field layout (see the module docstring): offsets of the int fields in IB, float fields in FB.
INT_FIELDS = (
    'allowed',
    'allowed_n',
    'allowed_off',
    'c_nmissing',
    'c_state',
    'cal_a0',
    'cal_cont',
    'cal_n',
    'e_head',
    'e_max',
    'e_n',
    'e_off',
    'e_pwq',
    'e_ring',
    'e_swq',
    'exited_by',
    'f_p',
    'f_tok',
    'fired',
    'held_v',
    'in_edge',
    'in_edges',
    'in_q',
    'in_qv',
    'in_seq',
    'in_v',
    'kit_taken',
    'lanes',
    'last_v',
    'log_kind',
    'log_st',
    'movable',
    'oos',
    'out_edges',
    'p_kind',
    'p_pc',
    'p_s_arrival',
    'p_s_fail',
    'p_s_proc',
    'p_s_repair',
    'p_s_rework',
    'p_s_route',
    'p_s_scrap',
    'p_s_setup',
    'p_st',
    'part_v',
    'pv',
    'q_cap',
    'q_head',
    'q_n',
    'q_off',
    'q_p',
    'q_tok',
    'r_fill',
    'r_pos',
    'seq_pattern',
    'st_cal',
    'st_fail',
    'st_failures',
    'st_first_q',
    'st_in0',
    'st_in_kind',
    'st_inactive',
    'st_lane0',
    'st_lose',
    'st_nin',
    'st_nlanes',
    'st_nout',
    'st_out0',
    'st_plan',
    'st_ref_cal',
    'st_repair_plain',
    'st_rework_lane',
    'st_route',
    'st_seqpos',
    'st_setup',
    'st_shared_q',
    'st_turn',
    'wait_tok',
    'c_missing',
    'c_missing_starts',
    'c_starts',
    'need',
    'tmp_mask',
    'h_seq',
    'h_p',
    'h_tok',
)
FLOAT_FIELDS = (
    'c_since_s',
    'c_since_t',
    'cal_cum',
    'cal_lens',
    'cal_per',
    'cal_starts',
    'e_area',
    'e_free',
    'e_tlast',
    'h_t',
    'held_e',
    'in_e',
    'log_s',
    'mix_cum',
    'out_cum',
    'p_left',
    'p_work',
    'part_e',
    'pe',
    'r_const',
    'st_rework',
    'st_scrap',
    'c_acc',
    'c_missing_s',
    'cal_seg',
)
WIDTH = {'cal_seg': 4, 'c_acc': 6, 'c_starts': 6, 'c_missing_s': 'maxin', 'c_missing': 'maxin',
         'c_missing_starts': 'maxin', 'need': 'maxin', 'tmp_mask': 'maxin'}  # 2-D fields: row width
O_ALLOWED = N_I + 0
O_ALLOWED_N = N_I + 1
O_ALLOWED_OFF = N_I + 2
O_C_NMISSING = N_I + 3
O_C_STATE = N_I + 4
O_CAL_A0 = N_I + 5
O_CAL_CONT = N_I + 6
O_CAL_N = N_I + 7
O_E_HEAD = N_I + 8
O_E_MAX = N_I + 9
O_E_N = N_I + 10
O_E_OFF = N_I + 11
O_E_PWQ = N_I + 12
O_E_RING = N_I + 13
O_E_SWQ = N_I + 14
O_EXITED_BY = N_I + 15
O_F_P = N_I + 16
O_F_TOK = N_I + 17
O_FIRED = N_I + 18
O_HELD_V = N_I + 19
O_IN_EDGE = N_I + 20
O_IN_EDGES = N_I + 21
O_IN_Q = N_I + 22
O_IN_QV = N_I + 23
O_IN_SEQ = N_I + 24
O_IN_V = N_I + 25
O_KIT_TAKEN = N_I + 26
O_LANES = N_I + 27
O_LAST_V = N_I + 28
O_LOG_KIND = N_I + 29
O_LOG_ST = N_I + 30
O_MOVABLE = N_I + 31
O_OOS = N_I + 32
O_OUT_EDGES = N_I + 33
O_P_KIND = N_I + 34
O_P_PC = N_I + 35
O_P_S_ARRIVAL = N_I + 36
O_P_S_FAIL = N_I + 37
O_P_S_PROC = N_I + 38
O_P_S_REPAIR = N_I + 39
O_P_S_REWORK = N_I + 40
O_P_S_ROUTE = N_I + 41
O_P_S_SCRAP = N_I + 42
O_P_S_SETUP = N_I + 43
O_P_ST = N_I + 44
O_PART_V = N_I + 45
O_PV = N_I + 46
O_Q_CAP = N_I + 47
O_Q_HEAD = N_I + 48
O_Q_N = N_I + 49
O_Q_OFF = N_I + 50
O_Q_P = N_I + 51
O_Q_TOK = N_I + 52
O_R_FILL = N_I + 53
O_R_POS = N_I + 54
O_SEQ_PATTERN = N_I + 55
O_ST_CAL = N_I + 56
O_ST_FAIL = N_I + 57
O_ST_FAILURES = N_I + 58
O_ST_FIRST_Q = N_I + 59
O_ST_IN0 = N_I + 60
O_ST_IN_KIND = N_I + 61
O_ST_INACTIVE = N_I + 62
O_ST_LANE0 = N_I + 63
O_ST_LOSE = N_I + 64
O_ST_NIN = N_I + 65
O_ST_NLANES = N_I + 66
O_ST_NOUT = N_I + 67
O_ST_OUT0 = N_I + 68
O_ST_PLAN = N_I + 69
O_ST_REF_CAL = N_I + 70
O_ST_REPAIR_PLAIN = N_I + 71
O_ST_REWORK_LANE = N_I + 72
O_ST_ROUTE = N_I + 73
O_ST_SEQPOS = N_I + 74
O_ST_SETUP = N_I + 75
O_ST_SHARED_Q = N_I + 76
O_ST_TURN = N_I + 77
O_WAIT_TOK = N_I + 78
O_C_MISSING = N_I + 79
O_C_MISSING_STARTS = N_I + 80
O_C_STARTS = N_I + 81
O_NEED = N_I + 82
O_TMP_MASK = N_I + 83
O_H_SEQ = N_I + 84
O_H_P = N_I + 85
O_H_TOK = N_I + 86
O_C_SINCE_S = N_I + 87 + 0
O_C_SINCE_T = N_I + 87 + 1
O_CAL_CUM = N_I + 87 + 2
O_CAL_LENS = N_I + 87 + 3
O_CAL_PER = N_I + 87 + 4
O_CAL_STARTS = N_I + 87 + 5
O_E_AREA = N_I + 87 + 6
O_E_FREE = N_I + 87 + 7
O_E_TLAST = N_I + 87 + 8
O_H_T = N_I + 87 + 9
O_HELD_E = N_I + 87 + 10
O_IN_E = N_I + 87 + 11
O_LOG_S = N_I + 87 + 12
O_MIX_CUM = N_I + 87 + 13
O_OUT_CUM = N_I + 87 + 14
O_P_LEFT = N_I + 87 + 15
O_P_WORK = N_I + 87 + 16
O_PART_E = N_I + 87 + 17
O_PE = N_I + 87 + 18
O_R_CONST = N_I + 87 + 19
O_ST_REWORK = N_I + 87 + 20
O_ST_SCRAP = N_I + 87 + 21
O_C_ACC = N_I + 87 + 22
O_C_MISSING_S = N_I + 87 + 23
O_CAL_SEG = N_I + 87 + 24
N_HEADER = N_I + 112

# Process kinds.
K_SERVER, K_ARRIVAL = 0, 1

# Resume points (pc) of a server process.
PC_INIT, PC_GOT_SINGLE, PC_SRC_RESUMED, PC_GOT_MERGE, PC_KIT_FIRST, PC_KIT_WAIT, PC_SETUP_DONE, \
    PC_OP_TO_FAIL, PC_OP_REPAIRED, PC_DONE, PC_UNBLOCKED = range(11)
# ... of an arrival process.
PC_ARR_NEXT, PC_ARR_UNBLOCKED = 20, 21

# Phases of a server's loop (between resume points).
PH_TAKE, PH_SRC, PH_KIT_BEGIN, PH_KIT_FIRST, PH_KIT_COLLECT, PH_KIT_DONE, PH_START, PH_WORK, \
    PH_OP_LOOP, PH_OP_DOWN, PH_PROCESS, PH_DISPOSE = range(12)

# Routing kinds of a station's output side.
R_SINK, R_ONE, R_BY_VARIANT, R_FRACTIONS, R_FIRST_FREE = range(5)
# Input kinds.
IN_SINGLE, IN_UNLIMITED, IN_MERGE, IN_ASSEMBLY = range(4)
# Failure kinds.
F_NONE, F_OPERATING, F_SCHEDULED = 0, 1, 2

UNLIMITED_FREE = math.inf

BLOCK = 1024
RING = 2 * BLOCK


# ---------------------------------------------------------------------------------------------
# Calendars (calendars.py, operation for operation: the same floats).

@njit(cache=True, _nrt=False)
def _pydivmod(x, y):
    """Python's float divmod (floatobject.c), for x >= 0 and y > 0 as used here."""
    mod = np.fmod(x, y)
    div = (x - mod) / y
    if mod != 0.0:
        if (y < 0) != (mod < 0):
            mod += y
            div -= 1.0
    else:
        mod = math.copysign(0.0, y)
    if div != 0.0:
        floordiv = math.floor(div)
        if div - floordiv > 0.5:
            floordiv += 1.0
    else:
        floordiv = math.copysign(0.0, x / y)
    return floordiv, mod


@njit(cache=True, _nrt=False)
def _segment(S, c, t):
    k, r = _pydivmod(t, YEAR)
    origin = k * YEAR
    base = k * S.FB[S.IB[O_CAL_PER] + c]
    a0 = S.IB[S.IB[O_CAL_A0] + c]
    n = S.IB[S.IB[O_CAL_N] + c]
    starts = S.FB[S.IB[O_CAL_STARTS]:]
    lens = S.FB[S.IB[O_CAL_LENS]:]
    # bisect_right(starts, r) - 1
    lo_i, hi_i = 0, n
    while lo_i < hi_i:
        mid = (lo_i + hi_i) // 2
        if r < starts[a0 + mid]:
            hi_i = mid
        else:
            lo_i = mid + 1
    i = lo_i - 1
    seg = S.FB[S.IB[O_CAL_SEG] + 4 * c:]
    if i < 0:
        seg[0] = origin
        seg[1] = origin + starts[a0]
        seg[2] = base
        seg[3] = 0.0
    elif r < starts[a0 + i] + lens[a0 + i]:
        lo = origin + starts[a0 + i]
        seg[0] = lo
        seg[1] = lo + lens[a0 + i]
        seg[2] = base + S.FB[S.IB[O_CAL_CUM] + a0 + i]
        seg[3] = 1.0
    else:
        lo = origin + starts[a0 + i] + lens[a0 + i]
        if i + 1 < n:
            hi = origin + starts[a0 + i + 1]
        else:
            hi = origin + YEAR
        seg[0] = lo
        seg[1] = hi
        seg[2] = base + S.FB[S.IB[O_CAL_CUM] + a0 + i] + lens[a0 + i]
        seg[3] = 0.0


@njit(cache=True, _nrt=False)
def sched(S, c, t):
    """Scheduled seconds in [0, t) on calendar c."""
    if S.IB[S.IB[O_CAL_CONT] + c]:
        return t
    seg = S.FB[S.IB[O_CAL_SEG] + 4 * c:]
    if not (seg[0] <= t < seg[1]):
        _segment(S, c, t)
    return seg[2] + (t - seg[0]) * seg[3]


@njit(cache=True, _nrt=False)
def resume_at(S, c, t):
    if S.IB[S.IB[O_CAL_CONT] + c]:
        return t
    seg = S.FB[S.IB[O_CAL_SEG] + 4 * c:]
    while True:
        if not (seg[0] <= t < seg[1]):
            _segment(S, c, t)
        if seg[3] != 0.0:
            return t
        t = seg[1]


@njit(cache=True, _nrt=False)
def time_at(S, c, s):
    if S.IB[S.IB[O_CAL_CONT] + c]:
        return s
    if s <= 0:
        return 0.0
    per = S.FB[S.IB[O_CAL_PER] + c]
    k, rem = _pydivmod(s, per)
    if rem <= 0:
        k -= 1
        rem = per
    a0 = S.IB[S.IB[O_CAL_A0] + c]
    n = S.IB[S.IB[O_CAL_N] + c]
    cum = S.FB[S.IB[O_CAL_CUM]:]
    # bisect_left(cum, rem) - 1
    lo_i, hi_i = 0, n
    while lo_i < hi_i:
        mid = (lo_i + hi_i) // 2
        if cum[a0 + mid] < rem:
            lo_i = mid + 1
        else:
            hi_i = mid
    i = lo_i - 1
    return k * YEAR + S.FB[S.IB[O_CAL_STARTS] + a0 + i] + (rem - cum[a0 + i])


@njit(cache=True, _nrt=False)
def advance(S, c, t, w):
    if S.IB[S.IB[O_CAL_CONT] + c]:
        return t + w
    if w <= 0:
        return t
    seg = S.FB[S.IB[O_CAL_SEG] + 4 * c:]
    if not (seg[0] <= t < seg[1]):
        _segment(S, c, t)
    if seg[3] != 0.0 and t + w <= seg[1]:
        return t + w
    end = time_at(S, c, seg[2] + (t - seg[0]) * seg[3] + w)
    return end if end > t else t


# ---------------------------------------------------------------------------------------------
# Random streams.

@njit(cache=True, _nrt=False)
def draw(S, sid):
    c = S.FB[S.IB[O_R_CONST] + sid]
    if c == c:  # not NaN: a constant, no draw
        return c
    pos = S.IB[S.IB[O_R_POS] + sid]
    x = S.RV[sid, pos % RING]
    S.IB[S.IB[O_R_POS] + sid] = pos + 1
    if S.IB[S.IB[O_R_FILL] + sid] - pos - 1 < BLOCK:
        S.IB[I_FLAG] = 1
    return x


# ---------------------------------------------------------------------------------------------
# Event queue.

@njit(cache=True, _nrt=False)
def _heap_push(S, t, p, tok):
    n = S.IB[I_HN]
    if n >= S.IB[I_HEAP_CAP]:
        S.IB[I_ERR] = 1
        return
    seq = S.IB[I_SEQ]
    S.IB[I_SEQ] = seq + 1
    ht = S.FB[S.IB[O_H_T]:]
    hs = S.IB[S.IB[O_H_SEQ]:]
    hp = S.IB[S.IB[O_H_P]:]
    hk = S.IB[S.IB[O_H_TOK]:]
    i = n
    while i > 0:
        parent = (i - 1) >> 1
        pt = ht[parent]
        if pt < t or (pt == t and hs[parent] < seq):
            break
        ht[i] = pt
        hs[i] = hs[parent]
        hp[i] = hp[parent]
        hk[i] = hk[parent]
        i = parent
    ht[i] = t
    hs[i] = seq
    hp[i] = p
    hk[i] = tok
    S.IB[I_HN] = n + 1


@njit(cache=True, _nrt=False)
def _heap_pop(S):
    ht = S.FB[S.IB[O_H_T]:]
    hs = S.IB[S.IB[O_H_SEQ]:]
    hp = S.IB[S.IB[O_H_P]:]
    hk = S.IB[S.IB[O_H_TOK]:]
    p = hp[0]
    tok = hk[0]
    n = S.IB[I_HN] - 1
    S.IB[I_HN] = n
    if n > 0:
        t = ht[n]
        seq = hs[n]
        lp = hp[n]
        lk = hk[n]
        i = 0
        while True:
            c = 2 * i + 1
            if c >= n:
                break
            if c + 1 < n and (ht[c + 1] < ht[c] or (ht[c + 1] == ht[c] and hs[c + 1] < hs[c])):
                c += 1
            if t < ht[c] or (t == ht[c] and seq < hs[c]):
                break
            ht[i] = ht[c]
            hs[i] = hs[c]
            hp[i] = hp[c]
            hk[i] = hk[c]
            i = c
        ht[i] = t
        hs[i] = seq
        hp[i] = lp
        hk[i] = lk
    return p, tok


@njit(cache=True, _nrt=False)
def _fifo_push(S, p, tok):
    tail = S.IB[I_FT]
    cap = S.IB[I_FIFO_CAP]
    if tail - S.IB[I_FH] >= cap:
        S.IB[I_ERR] = 2
        return
    S.IB[S.IB[O_F_P] + tail % cap] = p
    S.IB[S.IB[O_F_TOK] + tail % cap] = tok
    S.IB[I_FT] = tail + 1


@njit(cache=True, _nrt=False)
def new_wait(S, p):
    tok = S.IB[S.IB[O_WAIT_TOK] + p] + 1
    S.IB[S.IB[O_WAIT_TOK] + p] = tok
    S.IB[S.IB[O_FIRED] + p] = 0
    return tok


@njit(cache=True, _nrt=False)
def timeout(S, p, delay):
    """``yield env.timeout(delay)`` by process p: resumes it at now + delay."""
    tok = new_wait(S, p)
    now = S.FB[F_NOW]
    if delay == 0.0:
        _fifo_push(S, p, tok)
    else:
        _heap_push(S, now + delay, p, tok)


@njit(cache=True, _nrt=False)
def succeed(S, p, tok):
    """``event.succeed()`` of process p's wait ``tok`` (its value is in p's inbox)."""
    S.IB[S.IB[O_FIRED] + p] = 1
    _fifo_push(S, p, tok)


@njit(cache=True, _nrt=False)
def triggered(S, p, tok):
    return tok != S.IB[S.IB[O_WAIT_TOK] + p] or S.IB[S.IB[O_FIRED] + p] != 0


# ---------------------------------------------------------------------------------------------
# Waiter queues (rings of (process, token)).

@njit(cache=True, _nrt=False)
def q_push(S, q, p, tok):
    n = S.IB[S.IB[O_Q_N] + q]
    cap = S.IB[S.IB[O_Q_CAP] + q]
    if n >= cap:
        S.IB[I_ERR] = 3
        return
    i = S.IB[S.IB[O_Q_OFF] + q] + (S.IB[S.IB[O_Q_HEAD] + q] + n) % cap
    S.IB[S.IB[O_Q_P] + i] = p
    S.IB[S.IB[O_Q_TOK] + i] = tok
    S.IB[S.IB[O_Q_N] + q] = n + 1


@njit(cache=True, _nrt=False)
def q_pop(S, q):
    i = S.IB[S.IB[O_Q_OFF] + q] + S.IB[S.IB[O_Q_HEAD] + q]
    S.IB[S.IB[O_Q_HEAD] + q] = (S.IB[S.IB[O_Q_HEAD] + q] + 1) % S.IB[S.IB[O_Q_CAP] + q]
    S.IB[S.IB[O_Q_N] + q] -= 1
    return S.IB[S.IB[O_Q_P] + i], S.IB[S.IB[O_Q_TOK] + i]


@njit(cache=True, _nrt=False)
def q_at(S, q, j):
    i = S.IB[S.IB[O_Q_OFF] + q] + (S.IB[S.IB[O_Q_HEAD] + q] + j) % S.IB[S.IB[O_Q_CAP] + q]
    return S.IB[S.IB[O_Q_P] + i], S.IB[S.IB[O_Q_TOK] + i]


@njit(cache=True, _nrt=False)
def q_remove_at(S, q, j):
    cap = S.IB[S.IB[O_Q_CAP] + q]
    off = S.IB[S.IB[O_Q_OFF] + q]
    head = S.IB[S.IB[O_Q_HEAD] + q]
    n = S.IB[S.IB[O_Q_N] + q]
    for m in range(j, n - 1):
        a = off + (head + m) % cap
        b = off + (head + m + 1) % cap
        S.IB[S.IB[O_Q_P] + a] = S.IB[S.IB[O_Q_P] + b]
        S.IB[S.IB[O_Q_TOK] + a] = S.IB[S.IB[O_Q_TOK] + b]
    S.IB[S.IB[O_Q_N] + q] = n - 1


# ---------------------------------------------------------------------------------------------
# Edges (model.Buffer): waiting places, parts waiting, blocked upstream servers.

@njit(cache=True, _nrt=False)
def _parts_push(S, e, entry, v):
    n = S.IB[S.IB[O_E_N] + e]
    cap = S.IB[S.IB[O_E_RING] + e]
    if n >= cap:
        S.IB[I_ERR] = 4
        return
    i = S.IB[S.IB[O_E_OFF] + e] + (S.IB[S.IB[O_E_HEAD] + e] + n) % cap
    S.FB[S.IB[O_PE] + i] = entry
    S.IB[S.IB[O_PV] + i] = v
    S.IB[S.IB[O_E_N] + e] = n + 1


@njit(cache=True, _nrt=False)
def _parts_pop(S, e):
    i = S.IB[S.IB[O_E_OFF] + e] + S.IB[S.IB[O_E_HEAD] + e]
    S.IB[S.IB[O_E_HEAD] + e] = (S.IB[S.IB[O_E_HEAD] + e] + 1) % S.IB[S.IB[O_E_RING] + e]
    S.IB[S.IB[O_E_N] + e] -= 1
    return S.FB[S.IB[O_PE] + i], S.IB[S.IB[O_PV] + i]


@njit(cache=True, _nrt=False)
def _area(S, e, now):
    S.FB[S.IB[O_E_AREA] + e] += S.IB[S.IB[O_E_N] + e] * (now - S.FB[S.IB[O_E_TLAST] + e])
    S.FB[S.IB[O_E_TLAST] + e] = now


@njit(cache=True, _nrt=False)
def _hand_to_waiting(S, e, entry, v):
    q = S.IB[S.IB[O_E_PWQ] + e]
    while S.IB[S.IB[O_Q_N] + q] > 0:
        p, tok = q_pop(S, q)
        if triggered(S, p, tok):
            continue
        S.FB[S.IB[O_IN_E] + p] = entry
        S.IB[S.IB[O_IN_V] + p] = v
        S.IB[S.IB[O_IN_EDGE] + p] = e
        succeed(S, p, tok)
        return True
    return False


@njit(cache=True, _nrt=False)
def _place_freed(S, e, now):
    q = S.IB[S.IB[O_E_SWQ] + e]
    while S.IB[S.IB[O_Q_N] + q] > 0:
        p, tok = q_pop(S, q)
        if triggered(S, p, tok):
            continue
        if S.IB[S.IB[O_MOVABLE] + p]:
            _area(S, e, now)
            _parts_push(S, e, S.FB[S.IB[O_HELD_E] + p], S.IB[S.IB[O_HELD_V] + p])
            S.IB[S.IB[O_IN_EDGE] + p] = -1
        else:
            S.IB[S.IB[O_IN_EDGE] + p] = e  # a place promised to a server that is down
        succeed(S, p, tok)
        return
    S.FB[S.IB[O_E_FREE] + e] += 1.0


@njit(cache=True, _nrt=False)
def _append(S, e, now, entry, v):
    n = S.IB[S.IB[O_E_N] + e]
    _area(S, e, now)
    _parts_push(S, e, entry, v)
    if n >= S.IB[S.IB[O_E_MAX] + e]:
        S.IB[S.IB[O_E_MAX] + e] = n + 1


@njit(cache=True, _nrt=False)
def offer(S, e, now, entry, v):
    if _hand_to_waiting(S, e, entry, v):
        return True
    if S.FB[S.IB[O_E_FREE] + e] > 0:
        S.FB[S.IB[O_E_FREE] + e] -= 1.0
        _append(S, e, now, entry, v)
        return True
    return False


@njit(cache=True, _nrt=False)
def put_promised(S, e, now, entry, v):
    if _hand_to_waiting(S, e, entry, v):
        _place_freed(S, e, now)
    else:
        _append(S, e, now, entry, v)


@njit(cache=True, _nrt=False)
def take(S, e, now, p):
    """The next part for server p from edge e into p's inbox; False if none."""
    if S.IB[S.IB[O_E_N] + e] > 0:
        _area(S, e, now)
        entry, v = _parts_pop(S, e)
        _place_freed(S, e, now)
        S.FB[S.IB[O_IN_E] + p] = entry
        S.IB[S.IB[O_IN_V] + p] = v
        S.IB[S.IB[O_IN_EDGE] + p] = e
        return True
    q = S.IB[S.IB[O_E_SWQ] + e]
    while S.IB[S.IB[O_Q_N] + q] > 0:
        wp, wtok = q_at(S, q, 0)
        if not triggered(S, wp, wtok):
            break
        q_pop(S, q)
    for j in range(S.IB[S.IB[O_Q_N] + q]):
        wp, wtok = q_at(S, q, j)
        if S.IB[S.IB[O_MOVABLE] + wp] and not triggered(S, wp, wtok):
            q_remove_at(S, q, j)
            S.IB[S.IB[O_IN_EDGE] + wp] = -1
            succeed(S, wp, wtok)
            S.FB[S.IB[O_IN_E] + p] = S.FB[S.IB[O_HELD_E] + wp]
            S.IB[S.IB[O_IN_V] + p] = S.IB[S.IB[O_HELD_V] + wp]
            S.IB[S.IB[O_IN_EDGE] + p] = e
            return True
    return False


# ---------------------------------------------------------------------------------------------
# Statistics: state clocks, the bottleneck detector's reports, WIP.

@njit(cache=True, _nrt=False)
def _report(S, st, s, active):
    n = S.IB[I_LOGN]
    S.FB[S.IB[O_LOG_S] + n] = s
    S.IB[S.IB[O_LOG_ST] + n] = st
    S.IB[S.IB[O_LOG_KIND] + n] = active
    S.IB[I_LOGN] = n + 1
    if n + 1 >= S.IB[I_LOG_CAP] - 64:
        S.IB[I_FLAG] = 1


@njit(cache=True, _nrt=False)
def _activity(S, st, s, active):
    if active:
        S.IB[S.IB[O_ST_INACTIVE] + st] -= 1
        if S.IB[S.IB[O_ST_INACTIVE] + st] == 0:
            _report(S, st, s, 1)
    else:
        if S.IB[S.IB[O_ST_INACTIVE] + st] == 0:
            _report(S, st, s, 0)
        S.IB[S.IB[O_ST_INACTIVE] + st] += 1


@njit(cache=True, _nrt=False)
def switch(S, p, now, state):
    st = S.IB[S.IB[O_P_ST] + p]
    c = S.IB[S.IB[O_ST_CAL] + st]
    old = S.IB[S.IB[O_C_STATE] + p]
    s = sched(S, c, now)
    since_s = S.FB[S.IB[O_C_SINCE_S] + p]
    scheduled = s - since_s
    S.FB[S.IB[O_C_ACC] + (p) * 6 + old] += scheduled
    S.FB[S.IB[O_C_ACC] + (p) * 6 + OFF_SHIFT] += (now - S.FB[S.IB[O_C_SINCE_T] + p]) - scheduled
    S.FB[S.IB[O_C_SINCE_T] + p] = now
    S.FB[S.IB[O_C_SINCE_S] + p] = s
    if state != old:
        S.IB[S.IB[O_C_STATE] + p] = state
        S.IB[S.IB[O_C_STARTS] + (p) * 6 + state] += 1
        if ACTIVE[state] != ACTIVE[old]:
            ref = S.IB[S.IB[O_ST_REF_CAL] + st]
            _activity(S, st, s if ref < 0 else sched(S, ref, now), ACTIVE[state])
    if S.IB[S.IB[O_ST_IN_KIND] + st] == IN_ASSEMBLY and S.IB[S.IB[O_C_NMISSING] + p] > 0:
        nin = S.IB[S.IB[O_ST_NIN] + st]
        if old == STARVED:
            for j in range(nin):
                if S.IB[S.IB[O_C_MISSING] + (p) * S.IB[I_MAXIN] + j]:
                    S.FB[S.IB[O_C_MISSING_S] + (p) * S.IB[I_MAXIN] + j] += S.FB[S.IB[O_C_SINCE_S] + p] - since_s
        if state == STARVED and old != STARVED:
            for j in range(nin):
                if S.IB[S.IB[O_C_MISSING] + (p) * S.IB[I_MAXIN] + j]:
                    S.IB[S.IB[O_C_MISSING_STARTS] + (p) * S.IB[I_MAXIN] + j] += 1


@njit(cache=True, _nrt=False)
def _set_missing(S, p, now):
    """KitClock.set_missing with the inputs flagged in p's row of ``tmp_mask``."""
    switch(S, p, now, S.IB[S.IB[O_C_STATE] + p])
    st = S.IB[S.IB[O_P_ST] + p]
    nin = S.IB[S.IB[O_ST_NIN] + st]
    if S.IB[S.IB[O_C_STATE] + p] == STARVED:
        for j in range(nin):
            if S.IB[S.IB[O_TMP_MASK] + (p) * S.IB[I_MAXIN] + j] and not S.IB[S.IB[O_C_MISSING] + (p) * S.IB[I_MAXIN] + j]:
                S.IB[S.IB[O_C_MISSING_STARTS] + (p) * S.IB[I_MAXIN] + j] += 1
    cnt = 0
    for j in range(nin):
        S.IB[S.IB[O_C_MISSING] + (p) * S.IB[I_MAXIN] + j] = S.IB[S.IB[O_TMP_MASK] + (p) * S.IB[I_MAXIN] + j]
        cnt += S.IB[S.IB[O_TMP_MASK] + (p) * S.IB[I_MAXIN] + j]
    S.IB[S.IB[O_C_NMISSING] + p] = cnt


@njit(cache=True, _nrt=False)
def _wip_change(S, now, delta):
    S.FB[F_WIP_AREA] += S.IB[I_WIP] * (now - S.FB[F_WIP_T])
    S.FB[F_WIP_T] = now
    S.IB[I_WIP] += delta


@njit(cache=True, _nrt=False)
def _depart(S, now, entry, v, good):
    if S.IB[I_NV] > 0 and good:
        S.IB[S.IB[O_EXITED_BY] + v] += 1
    _wip_change(S, now, -1)
    S.FB[F_SOJ] += now - entry
    if good:
        S.IB[I_EXITED] += 1
        S.FB[F_LEAD] += now - entry
    else:
        S.IB[I_SCRAPPED] += 1


@njit(cache=True, _nrt=False)
def _new_variant(S, st):
    """The variant of a source's next new part: the plan's next draw, or the sequence."""
    if S.IB[I_NV] == 0:
        return 0
    if S.IB[I_PLAN_KIND] == 0:  # mix
        x = draw(S, S.IB[S.IB[O_ST_PLAN] + st])
        nv = S.IB[I_NV]
        for j in range(nv):
            if x < S.FB[S.IB[O_MIX_CUM] + j]:
                return j
        return nv - 1
    pos = S.IB[S.IB[O_ST_SEQPOS] + st]
    S.IB[S.IB[O_ST_SEQPOS] + st] = pos + 1
    return S.IB[S.IB[O_SEQ_PATTERN] + pos % S.IB[I_NSEQ]]


# ---------------------------------------------------------------------------------------------
# Processes.

@njit(cache=True, _nrt=False)
def _wait_part(S, p, now, q):
    """wait_part on one queue (single input, merge's shared queue)."""
    switch(S, p, now, STARVED)
    tok = new_wait(S, p)
    q_push(S, q, p, tok)


@njit(cache=True, _nrt=False)
def _take_merge(S, st, now, p):
    """A part from a rework lane first, then the inputs in turn (parts before pulls)."""
    l0 = S.IB[S.IB[O_ST_LANE0] + st]
    for m in range(S.IB[S.IB[O_ST_NLANES] + st]):
        lane = S.IB[S.IB[O_LANES] + l0 + m]
        if S.IB[S.IB[O_E_N] + lane] > 0:
            take(S, lane, now, p)
            return True
    i0 = S.IB[S.IB[O_ST_IN0] + st]
    n = S.IB[S.IB[O_ST_NIN] + st]
    for pulling in range(2):
        for j in range(n):
            e = S.IB[S.IB[O_IN_EDGES] + i0 + (S.IB[S.IB[O_ST_TURN] + st] + j) % n]
            cond = S.IB[S.IB[O_Q_N] + S.IB[S.IB[O_E_SWQ] + e]] > 0 if pulling else S.IB[S.IB[O_E_N] + e] > 0
            if cond:
                if take(S, e, now, p):
                    S.IB[S.IB[O_ST_TURN] + st] = (S.IB[S.IB[O_ST_TURN] + st] + j + 1) % n
                    return True
    return False


@njit(cache=True, _nrt=False)
def _kit_part(S, p, st, j, entry_var):
    """A part joining the kit from input j: counted out of sequence if it should match."""
    if S.IB[I_NV] > 0 and S.IB[S.IB[O_IN_V] + p] != entry_var and S.IB[S.IB[O_IN_SEQ] + S.IB[S.IB[O_ST_IN0] + st] + j]:
        S.IB[S.IB[O_OOS] + S.IB[S.IB[O_ST_IN0] + st] + j] += 1
    return S.FB[S.IB[O_IN_E] + p]


@njit(cache=True, _nrt=False)
def resume_server(S, p):
    st = S.IB[S.IB[O_P_ST] + p]
    c = S.IB[S.IB[O_ST_CAL] + st]
    pc = S.IB[S.IB[O_P_PC] + p]
    now = S.FB[F_NOW]
    ph = PH_TAKE
    products = S.IB[I_NV] > 0
    i0 = S.IB[S.IB[O_ST_IN0] + st]
    nin = S.IB[S.IB[O_ST_NIN] + st]
    if pc == PC_INIT:
        if S.IB[S.IB[O_ST_FAIL] + st] == F_OPERATING:
            S.FB[S.IB[O_P_LEFT] + p] = draw(S, S.IB[S.IB[O_P_S_FAIL] + p])
        ph = PH_TAKE
    elif pc == PC_GOT_SINGLE or pc == PC_GOT_MERGE:
        S.FB[S.IB[O_PART_E] + p] = S.FB[S.IB[O_IN_E] + p]
        S.IB[S.IB[O_PART_V] + p] = S.IB[S.IB[O_IN_V] + p]
        ph = PH_START
    elif pc == PC_SRC_RESUMED:
        ph = PH_SRC
    elif pc == PC_KIT_FIRST:
        ph = PH_KIT_FIRST
    elif pc == PC_KIT_WAIT:
        e = S.IB[S.IB[O_IN_EDGE] + p]
        j = 0
        while S.IB[S.IB[O_IN_EDGES] + i0 + j] != e:
            j += 1
        S.IB[S.IB[O_NEED] + (p) * S.IB[I_MAXIN] + j] -= 1
        S.IB[S.IB[O_KIT_TAKEN] + p] += 1
        x = _kit_part(S, p, st, j, S.IB[S.IB[O_PART_V] + p])
        if x < S.FB[S.IB[O_PART_E] + p]:
            S.FB[S.IB[O_PART_E] + p] = x
        ph = PH_KIT_COLLECT
    elif pc == PC_SETUP_DONE:
        S.IB[S.IB[O_LAST_V] + p] = S.IB[S.IB[O_PART_V] + p]
        ph = PH_WORK
    elif pc == PC_OP_TO_FAIL:
        S.FB[S.IB[O_P_WORK] + p] -= S.FB[S.IB[O_P_LEFT] + p]
        ph = PH_OP_DOWN
    elif pc == PC_OP_REPAIRED:
        switch(S, p, now, WORKING)
        S.FB[S.IB[O_P_LEFT] + p] = draw(S, S.IB[S.IB[O_P_S_FAIL] + p])
        ph = PH_OP_LOOP
    elif pc == PC_DONE:
        ph = PH_DISPOSE
    elif pc == PC_UNBLOCKED:
        e = S.IB[S.IB[O_IN_EDGE] + p]
        if e >= 0:
            put_promised(S, e, now, S.FB[S.IB[O_HELD_E] + p], S.IB[S.IB[O_HELD_V] + p])
        ph = PH_TAKE

    while True:
        if ph == PH_TAKE:
            kind = S.IB[S.IB[O_ST_IN_KIND] + st]
            if kind == IN_SINGLE:
                e = S.IB[S.IB[O_IN_EDGES] + i0]
                if take(S, e, now, p):
                    S.FB[S.IB[O_PART_E] + p] = S.FB[S.IB[O_IN_E] + p]
                    S.IB[S.IB[O_PART_V] + p] = S.IB[S.IB[O_IN_V] + p]
                    ph = PH_START
                else:
                    _wait_part(S, p, now, S.IB[S.IB[O_E_PWQ] + e])
                    S.IB[S.IB[O_P_PC] + p] = PC_GOT_SINGLE
                    return
            elif kind == IN_UNLIMITED:
                if not S.IB[S.IB[O_CAL_CONT] + c]:
                    start = resume_at(S, c, now)
                    if start > now:
                        timeout(S, p, start - now)
                        S.IB[S.IB[O_P_PC] + p] = PC_SRC_RESUMED
                        return
                ph = PH_SRC
            elif kind == IN_MERGE:
                if _take_merge(S, st, now, p):
                    S.FB[S.IB[O_PART_E] + p] = S.FB[S.IB[O_IN_E] + p]
                    S.IB[S.IB[O_PART_V] + p] = S.IB[S.IB[O_IN_V] + p]
                    ph = PH_START
                else:
                    _wait_part(S, p, now, S.IB[S.IB[O_ST_SHARED_Q] + st])
                    S.IB[S.IB[O_P_PC] + p] = PC_GOT_MERGE
                    return
            else:  # assembly
                lanes_parts = False
                l0 = S.IB[S.IB[O_ST_LANE0] + st]
                for m in range(S.IB[S.IB[O_ST_NLANES] + st]):
                    if S.IB[S.IB[O_E_N] + S.IB[S.IB[O_LANES] + l0 + m]] > 0:
                        lanes_parts = True
                if lanes_parts:
                    _take_merge(S, st, now, p)
                    S.FB[S.IB[O_PART_E] + p] = S.FB[S.IB[O_IN_E] + p]
                    S.IB[S.IB[O_PART_V] + p] = S.IB[S.IB[O_IN_V] + p]
                    ph = PH_START
                else:
                    ph = PH_KIT_BEGIN
        elif ph == PH_SRC:
            got = False
            if S.IB[S.IB[O_ST_NLANES] + st] > 0:
                got = _take_merge(S, st, now, p)
            if got:
                S.FB[S.IB[O_PART_E] + p] = S.FB[S.IB[O_IN_E] + p]
                S.IB[S.IB[O_PART_V] + p] = S.IB[S.IB[O_IN_V] + p]
            else:
                now = S.FB[F_NOW]
                S.FB[S.IB[O_PART_E] + p] = now
                S.IB[S.IB[O_PART_V] + p] = _new_variant(S, st)
                S.IB[I_ENTERED] += 1
                _wip_change(S, now, 1)
            ph = PH_START
        elif ph == PH_KIT_BEGIN:
            now = S.FB[F_NOW]
            if products:
                e = S.IB[S.IB[O_IN_EDGES] + i0]
                if take(S, e, now, p):
                    ph = PH_KIT_FIRST
                else:
                    for j in range(nin):
                        S.IB[S.IB[O_TMP_MASK] + (p) * S.IB[I_MAXIN] + j] = 0
                    S.IB[S.IB[O_TMP_MASK] + (p) * S.IB[I_MAXIN] + 0] = 1
                    _set_missing(S, p, now)
                    switch(S, p, now, STARVED)
                    tok = new_wait(S, p)
                    q_push(S, S.IB[S.IB[O_E_PWQ] + e], p, tok)
                    S.IB[S.IB[O_P_PC] + p] = PC_KIT_FIRST
                    return
            else:
                S.FB[S.IB[O_PART_E] + p] = math.inf
                S.IB[S.IB[O_PART_V] + p] = 0
                for j in range(nin):
                    S.IB[S.IB[O_NEED] + (p) * S.IB[I_MAXIN] + j] = S.IB[S.IB[O_IN_Q] + i0 + j]
                S.IB[S.IB[O_KIT_TAKEN] + p] = 0
                ph = PH_KIT_COLLECT
        elif ph == PH_KIT_FIRST:
            v = S.IB[S.IB[O_IN_V] + p]
            S.FB[S.IB[O_PART_E] + p] = S.FB[S.IB[O_IN_E] + p]
            S.IB[S.IB[O_PART_V] + p] = v
            S.IB[S.IB[O_NEED] + (p) * S.IB[I_MAXIN] + 0] = S.IB[S.IB[O_ST_FIRST_Q] + st] - 1
            for j in range(1, nin):
                S.IB[S.IB[O_NEED] + (p) * S.IB[I_MAXIN] + j] = S.IB[S.IB[O_IN_QV] + (i0 + j) * S.IB[I_NVQ] + v]
            S.IB[S.IB[O_KIT_TAKEN] + p] = 1
            ph = PH_KIT_COLLECT
        elif ph == PH_KIT_COLLECT:
            now = S.FB[F_NOW]
            for j in range(nin):
                e = S.IB[S.IB[O_IN_EDGES] + i0 + j]
                while S.IB[S.IB[O_NEED] + (p) * S.IB[I_MAXIN] + j] > 0:
                    if not take(S, e, now, p):
                        break
                    S.IB[S.IB[O_NEED] + (p) * S.IB[I_MAXIN] + j] -= 1
                    S.IB[S.IB[O_KIT_TAKEN] + p] += 1
                    x = _kit_part(S, p, st, j, S.IB[S.IB[O_PART_V] + p])
                    if x < S.FB[S.IB[O_PART_E] + p]:
                        S.FB[S.IB[O_PART_E] + p] = x
            any_wait = False
            for j in range(nin):
                S.IB[S.IB[O_TMP_MASK] + (p) * S.IB[I_MAXIN] + j] = 1 if S.IB[S.IB[O_NEED] + (p) * S.IB[I_MAXIN] + j] > 0 else 0
                if S.IB[S.IB[O_NEED] + (p) * S.IB[I_MAXIN] + j] > 0:
                    any_wait = True
            if not any_wait:
                ph = PH_KIT_DONE
            else:
                _set_missing(S, p, now)
                switch(S, p, now, STARVED)
                tok = new_wait(S, p)
                for j in range(nin):
                    if S.IB[S.IB[O_TMP_MASK] + (p) * S.IB[I_MAXIN] + j]:
                        q_push(S, S.IB[S.IB[O_E_PWQ] + S.IB[S.IB[O_IN_EDGES] + i0 + j]], p, tok)
                S.IB[S.IB[O_P_PC] + p] = PC_KIT_WAIT
                return
        elif ph == PH_KIT_DONE:
            now = S.FB[F_NOW]
            if S.IB[S.IB[O_C_NMISSING] + p] > 0:
                for j in range(nin):
                    S.IB[S.IB[O_TMP_MASK] + (p) * S.IB[I_MAXIN] + j] = 0
                _set_missing(S, p, now)
            taken = S.IB[S.IB[O_KIT_TAKEN] + p]
            S.IB[I_CONSUMED] += taken
            S.IB[I_ASSEMBLED] += 1
            _wip_change(S, now, 1 - taken)
            ph = PH_START
        elif ph == PH_START:
            if products:
                v = S.IB[S.IB[O_PART_V] + p]
                if S.IB[S.IB[O_ST_SETUP] + st] >= 0 and S.IB[S.IB[O_LAST_V] + p] >= 0 and v != S.IB[S.IB[O_LAST_V] + p]:
                    now = S.FB[F_NOW]
                    switch(S, p, now, SETUP)
                    timeout(S, p, advance(S, c, now, draw(S, S.IB[S.IB[O_P_S_SETUP] + p])) - now)
                    S.IB[S.IB[O_P_PC] + p] = PC_SETUP_DONE
                    return
                S.IB[S.IB[O_LAST_V] + p] = v
            ph = PH_WORK
        elif ph == PH_WORK:
            now = S.FB[F_NOW]
            if S.IB[S.IB[O_C_STATE] + p] != WORKING:
                switch(S, p, now, WORKING)
            S.FB[S.IB[O_P_WORK] + p] = draw(S, S.IB[S.IB[O_P_S_PROC] + p * S.IB[I_NVP] + S.IB[S.IB[O_PART_V] + p]])
            if S.IB[S.IB[O_ST_FAIL] + st] == F_OPERATING:
                ph = PH_OP_LOOP
            else:
                ph = PH_PROCESS
        elif ph == PH_OP_LOOP:
            if S.FB[S.IB[O_P_WORK] + p] > S.FB[S.IB[O_P_LEFT] + p]:
                if S.FB[S.IB[O_P_LEFT] + p] > 0:
                    now = S.FB[F_NOW]
                    timeout(S, p, advance(S, c, now, S.FB[S.IB[O_P_LEFT] + p]) - now)
                    S.IB[S.IB[O_P_PC] + p] = PC_OP_TO_FAIL
                    return
                ph = PH_OP_DOWN
            else:
                S.FB[S.IB[O_P_LEFT] + p] -= S.FB[S.IB[O_P_WORK] + p]
                ph = PH_PROCESS
        elif ph == PH_OP_DOWN:
            now = S.FB[F_NOW]
            switch(S, p, now, DOWN)
            S.IB[S.IB[O_ST_FAILURES] + st] += 1
            r = draw(S, S.IB[S.IB[O_P_S_REPAIR] + p])
            if S.IB[S.IB[O_ST_REPAIR_PLAIN] + st]:
                end = now + r
            else:
                end = advance(S, c, now, r)
            timeout(S, p, end - now)
            S.IB[S.IB[O_P_PC] + p] = PC_OP_REPAIRED
            return
        elif ph == PH_PROCESS:
            now = S.FB[F_NOW]
            w = S.FB[S.IB[O_P_WORK] + p]
            if S.IB[S.IB[O_CAL_CONT] + c]:
                timeout(S, p, w)
            else:
                timeout(S, p, advance(S, c, now, w) - now)
            S.IB[S.IB[O_P_PC] + p] = PC_DONE
            return
        elif ph == PH_DISPOSE:
            now = S.FB[F_NOW]
            entry = S.FB[S.IB[O_PART_E] + p]
            v = S.IB[S.IB[O_PART_V] + p]
            ph = PH_TAKE
            if S.FB[S.IB[O_ST_SCRAP] + st] > 0 and draw(S, S.IB[S.IB[O_P_S_SCRAP] + p]) < S.FB[S.IB[O_ST_SCRAP] + st]:
                _depart(S, now, entry, v, False)
            elif S.FB[S.IB[O_ST_REWORK] + st] > 0 and draw(S, S.IB[S.IB[O_P_S_REWORK] + p]) < S.FB[S.IB[O_ST_REWORK] + st]:
                offer(S, S.IB[S.IB[O_ST_REWORK_LANE] + st], now, entry, v)
            else:
                rk = S.IB[S.IB[O_ST_ROUTE] + st]
                if rk == R_SINK:
                    _depart(S, now, entry, v, True)
                    continue
                o0 = S.IB[S.IB[O_ST_OUT0] + st]
                no = S.IB[S.IB[O_ST_NOUT] + st]
                dest = -1
                a0 = 0
                na = 0
                if rk == R_ONE:
                    dest = S.IB[S.IB[O_OUT_EDGES] + o0]
                elif rk == R_BY_VARIANT:
                    a0 = S.IB[S.IB[O_ALLOWED_OFF] + st * S.IB[I_NVQ] + v]
                    na = S.IB[S.IB[O_ALLOWED_N] + st * S.IB[I_NVQ] + v]
                    if na == 1:
                        dest = S.IB[S.IB[O_ALLOWED] + a0]
                    else:
                        for m in range(na):
                            e = S.IB[S.IB[O_ALLOWED] + a0 + m]
                            if S.IB[S.IB[O_Q_N] + S.IB[S.IB[O_E_PWQ] + e]] > 0 or S.FB[S.IB[O_E_FREE] + e] > 0:
                                dest = e
                                break
                elif rk == R_FRACTIONS:
                    u = draw(S, S.IB[S.IB[O_P_S_ROUTE] + p])
                    dest = S.IB[S.IB[O_OUT_EDGES] + o0 + no - 1]
                    for m in range(no):
                        if u < S.FB[S.IB[O_OUT_CUM] + o0 + m]:
                            dest = S.IB[S.IB[O_OUT_EDGES] + o0 + m]
                            break
                else:  # first_free
                    for m in range(no):
                        e = S.IB[S.IB[O_OUT_EDGES] + o0 + m]
                        if S.IB[S.IB[O_Q_N] + S.IB[S.IB[O_E_PWQ] + e]] > 0 or S.FB[S.IB[O_E_FREE] + e] > 0:
                            dest = e
                            break
                if dest < 0 or not offer(S, dest, now, entry, v):
                    switch(S, p, now, BLOCKED)
                    tok = new_wait(S, p)
                    S.FB[S.IB[O_HELD_E] + p] = entry
                    S.IB[S.IB[O_HELD_V] + p] = v
                    S.IB[S.IB[O_MOVABLE] + p] = 1
                    if dest >= 0:
                        q_push(S, S.IB[S.IB[O_E_SWQ] + dest], p, tok)
                    elif rk == R_BY_VARIANT:
                        for m in range(na):
                            q_push(S, S.IB[S.IB[O_E_SWQ] + S.IB[S.IB[O_ALLOWED] + a0 + m]], p, tok)
                    else:
                        for m in range(no):
                            q_push(S, S.IB[S.IB[O_E_SWQ] + S.IB[S.IB[O_OUT_EDGES] + o0 + m]], p, tok)
                    S.IB[S.IB[O_P_PC] + p] = PC_UNBLOCKED
                    return


@njit(cache=True, _nrt=False)
def resume_arrival(S, p):
    st = S.IB[S.IB[O_P_ST] + p]
    c = S.IB[S.IB[O_ST_CAL] + st]
    pc = S.IB[S.IB[O_P_PC] + p]
    if pc == PC_ARR_NEXT:
        now = S.FB[F_NOW]
        entry = now
        v = _new_variant(S, st)
        q = S.IB[S.IB[O_IN_EDGES] + S.IB[S.IB[O_ST_IN0] + st]]
        if offer(S, q, now, entry, v):
            S.IB[I_ENTERED] += 1
            _wip_change(S, now, 1)
        elif S.IB[S.IB[O_ST_LOSE] + st]:
            S.IB[I_LOST] += 1
        else:
            S.IB[I_ENTERED] += 1
            _wip_change(S, now, 1)
            tok = new_wait(S, p)
            S.FB[S.IB[O_HELD_E] + p] = entry
            S.IB[S.IB[O_HELD_V] + p] = v
            S.IB[S.IB[O_MOVABLE] + p] = 1
            q_push(S, S.IB[S.IB[O_E_SWQ] + q], p, tok)
            S.IB[S.IB[O_P_PC] + p] = PC_ARR_UNBLOCKED
            return
    now = S.FB[F_NOW]
    timeout(S, p, advance(S, c, now, draw(S, S.IB[S.IB[O_P_S_ARRIVAL] + p])) - now)
    S.IB[S.IB[O_P_PC] + p] = PC_ARR_NEXT


@njit(cache=True, _nrt=False)
def _dispatch(S, p):
    if S.IB[S.IB[O_P_KIND] + p] == K_SERVER:
        resume_server(S, p)
    else:
        resume_arrival(S, p)


@njit(cache=True, _nrt=False)
def start(S):
    """Every process runs to its first wait, in the order the SimPy model creates them."""
    for p in range(S.IB[I_NP]):
        _dispatch(S, p)


@njit(cache=True, _nrt=False)
def run_until(S, until):
    """Process events with time < ``until`` (SimPy's ``env.run(until=...)``); stop early, at an
    event boundary, when a stream needs a block or the report log is nearly full."""
    while True:
        if S.IB[I_ERR] != 0:
            return OVERFLOW
        if S.IB[I_FLAG] != 0:
            return REFILL
        now = S.FB[F_NOW]
        hn = S.IB[I_HN]
        if hn > 0 and S.FB[S.IB[O_H_T] + 0] == now:
            p, tok = _heap_pop(S)
        elif S.IB[I_FT] > S.IB[I_FH]:
            h = S.IB[I_FH]
            cap = S.IB[I_FIFO_CAP]
            p = S.IB[S.IB[O_F_P] + h % cap]
            tok = S.IB[S.IB[O_F_TOK] + h % cap]
            S.IB[I_FH] = h + 1
        elif hn > 0 and S.FB[S.IB[O_H_T] + 0] < until:
            S.FB[F_NOW] = S.FB[S.IB[O_H_T] + 0]
            continue
        else:
            S.FB[F_NOW] = until
            return DONE
        if tok == S.IB[S.IB[O_WAIT_TOK] + p]:
            _dispatch(S, p)


@njit(cache=True, _nrt=False)
def flush(S, now):
    """Bring every time integral up to ``now`` (model.Line.flush)."""
    for p in range(S.IB[I_NP]):
        if S.IB[S.IB[O_P_KIND] + p] == K_SERVER:
            switch(S, p, now, S.IB[S.IB[O_C_STATE] + p])
    for e in range(S.IB[I_NE]):
        _area(S, e, now)
    _wip_change(S, now, 0)
