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
has a ring of ``4 × BLOCK`` values filled by Python with the very block calls the SimPy
samplers make (``spec._draw(gen, BLOCK)``, ``gen.random(BLOCK)``), so the values are the same
floats. When a stream has less than a block left, the loop stops at the next event boundary
(``status`` REFILL) and the caller tops up every stream with room for two blocks or more (a
few blocks per stop: the stops cost more than the loop's events between them); a single event
never draws a block's worth.

Memory does not grow with the horizon: parts are (entry time, variant) pairs in fixed rings per
edge; unlimited edges have a large ring and report OVERFLOW if it fills (the caller then runs
the replication on the SimPy engine).

Layout. The whole state is ONE int64 array ``M`` (floats are read through its float64 view
``F``): numba passes an array as 7 arguments and a tuple of ~130 arrays took minutes to compile.
``M`` holds, in order:

- the header: scalars ``I_*`` (ints) and ``F_*`` (floats), then one slot ``O_<FIELD>`` per field
  holding that field's offset in ``M`` (Python reads every field through it, see ``build.pack``);
- the fixed regions: every per-process, per-station, per-edge, per-queue, per-stream and
  per-calendar field, and the event heap and FIFO, at offsets ``A_<FIELD>`` computed here from the
  maximum counts (``FIXED``, ``limits``). The compiled code reads ``M[U(A_C_STATE + p)]``: one
  load from a compile-time offset, where ``M[M[O_C_STATE] + p]`` needed a second load that LLVM
  had to repeat after every store into ``M`` (it cannot tell the two apart). Regions start on
  different cache lines (``_after``) so that regions a multiple of 4 KiB apart do not evict
  each other;
- the random-number rings (``A_RV``: ``n_streams × RING``);
- the pools of variable size (parts rings, waiting lists, calendar intervals, per-variant
  tables, ...) and the bottleneck detector's two arrays, read through their header offsets,
  ``M[U(M[O_PE] + i)]``.

A new field: add it to ``INT_FIELDS``/``FLOAT_FIELDS`` and its ``O_*`` header slot to the block
below them (the slots number the fields in order) and give it a value in ``build``; it is then a pool (``M[U(M[O_X] + i)]``). If it
is per entity and read in the loop, add it to ``FIXED`` too and read it as ``M[U(A_X + i)]``.

The edges' occupancy histograms (``e_lt``, a pool: ``series.level_bins`` levels per edge) are
read through ``e_lt_off``, which ``build`` makes absolute (the pool's offset added), so that
``_integrate`` reaches a bin with one load, as for a fixed region.

Indices are wrapped in ``U`` (uint64): numba applies Python's negative-index wraparound to
signed indices, a compare and a conditional move per access that LLVM hoisted and spilled to
the stack (about half of the loop's time). Every index here is >= 0.

Compiled-code costs that shaped the functions (measured on phase 1): numba gives every call
site a return slot and an exception slot, zeroed on each entry to the calling function, so a
server's loop is one small function per phase (``_ph_*``) rather than one function with every
call in it, and LLVM's inline threshold is raised (below); a function called with a Python int
constant is compiled once per value, so states and resume points are numpy integers.
"""

from __future__ import annotations

import math

import numpy as np
from llvmlite import binding as _llvm
from numba import njit

# LLVM inlines a callee when its cost is below a threshold (275 at -O3, about 55 instructions).
# Numba's calling convention makes a call dear here: the arena is passed as 7 arguments, and
# every call site in a function gets a return slot and an exception slot, both zeroed on each
# entry to the caller (in resume_server that was a third of its time). A higher threshold
# inlines the small and middle-sized helpers. Measured on phase 1: 1000 took 14% off the time
# per event against the default, 2000 a further 9% (2500 no more); the first compile grows with
# it (33 s at 1000, 38 s at 2000 on the 2-core development machine). The option is LLVM's,
# process-wide, read when a function is compiled (not when it is loaded from numba's cache).
_llvm.set_option("linesim", "-inline-threshold=2000")

from ...distributions import BLOCK  # the samplers' block: the rings refill in these
from ...units import YEAR
from .detector import DetectorState, report_close, report_open
from .limits import MAX_EDGES, MAX_INPUTS, MAX_PROCESSES, MAX_STATIONS, MAX_STREAMS

# An array index known to be >= 0, as uint64: numba then skips its negative-index wraparound
# (a compare and a conditional move per access, which LLVM hoists and spills to the stack).
U = np.uint64

# Server states (as states.py). They and the resume points below are numpy integers, not
# Python ints: a function called with a Python int constant is compiled once per value (numba
# types the argument as a literal), which cost compile time and nothing else.
WORKING, STARVED, BLOCKED, DOWN, OFF_SHIFT, SETUP = np.arange(6, dtype=np.int64)
ACTIVE = np.array([1, 0, 0, 1, 0, 1], dtype=np.int64)

# Status codes returned by ``run_until``.
DONE, REFILL, OVERFLOW = 0, 1, 2

# Indices into the int64 scalar array I.
I_HN, I_FH, I_FT, I_SEQ, I_FLAG, I_ENTERED, I_EXITED, I_SCRAPPED, I_LOST, I_CONSUMED, \
    I_ASSEMBLED, I_WIP, I_ERR, \
    I_NV, I_NVQ, I_NVP, I_PLAN_KIND, I_OUT_CAL, I_HEAP_CAP, I_FIFO_CAP, I_NP, I_NE, \
    I_NSEQ, I_MAXIN, I_RV, I_DET_F, I_DET_FN, I_DET_I, I_DET_IN = range(29)
N_I = 29
# Indices into the float64 scalar array F.
N_F = 5  # the float scalars, in M[N_I:N_I + N_F] (read through the float view)
F_NOW, F_WIP_AREA, F_WIP_T, F_LEAD, F_SOJ = range(N_I, N_I + N_F)

# Field layout (see the module docstring): the header slots O_<FIELD> holding each field's offset.
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
    'tm_tok',
    'fc_state',
    'fc_tok',
    'cond_tok',
    'cond_pending',
    'p_ret',
    'p_wstate',
    'bl_dest',
    'e_conv',
    'e_ucal',
    'e_mv_off',
    'e_mv_head',
    'e_mv_n',
    'mv_v',
    'p_cond',
    'e_wake_p',
    'e_lt_off',
    'e_lt_top',
    'st_offered',
    'st_lost',
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
    'fc_due',
    'p_done',
    'p_s0',
    'e_transfer',
    'mv_t',
    'mv_e',
    'e_lt',
)
WIDTH = {'cal_seg': 4, 'c_acc': 6, 'c_starts': 6, 'c_missing_s': 'maxin', 'c_missing': 'maxin',
         'c_missing_starts': 'maxin', 'need': 'maxin', 'tmp_mask': 'maxin'}  # 2-D fields: row width
O_ALLOWED = N_I + N_F + 0
O_ALLOWED_N = N_I + N_F + 1
O_ALLOWED_OFF = N_I + N_F + 2
O_C_NMISSING = N_I + N_F + 3
O_C_STATE = N_I + N_F + 4
O_CAL_A0 = N_I + N_F + 5
O_CAL_CONT = N_I + N_F + 6
O_CAL_N = N_I + N_F + 7
O_E_HEAD = N_I + N_F + 8
O_E_MAX = N_I + N_F + 9
O_E_N = N_I + N_F + 10
O_E_OFF = N_I + N_F + 11
O_E_PWQ = N_I + N_F + 12
O_E_RING = N_I + N_F + 13
O_E_SWQ = N_I + N_F + 14
O_EXITED_BY = N_I + N_F + 15
O_F_P = N_I + N_F + 16
O_F_TOK = N_I + N_F + 17
O_FIRED = N_I + N_F + 18
O_HELD_V = N_I + N_F + 19
O_IN_EDGE = N_I + N_F + 20
O_IN_EDGES = N_I + N_F + 21
O_IN_Q = N_I + N_F + 22
O_IN_QV = N_I + N_F + 23
O_IN_SEQ = N_I + N_F + 24
O_IN_V = N_I + N_F + 25
O_KIT_TAKEN = N_I + N_F + 26
O_LANES = N_I + N_F + 27
O_LAST_V = N_I + N_F + 28
O_MOVABLE = N_I + N_F + 29
O_OOS = N_I + N_F + 30
O_OUT_EDGES = N_I + N_F + 31
O_P_KIND = N_I + N_F + 32
O_P_PC = N_I + N_F + 33
O_P_S_ARRIVAL = N_I + N_F + 34
O_P_S_FAIL = N_I + N_F + 35
O_P_S_PROC = N_I + N_F + 36
O_P_S_REPAIR = N_I + N_F + 37
O_P_S_REWORK = N_I + N_F + 38
O_P_S_ROUTE = N_I + N_F + 39
O_P_S_SCRAP = N_I + N_F + 40
O_P_S_SETUP = N_I + N_F + 41
O_P_ST = N_I + N_F + 42
O_PART_V = N_I + N_F + 43
O_PV = N_I + N_F + 44
O_Q_CAP = N_I + N_F + 45
O_Q_HEAD = N_I + N_F + 46
O_Q_N = N_I + N_F + 47
O_Q_OFF = N_I + N_F + 48
O_Q_P = N_I + N_F + 49
O_Q_TOK = N_I + N_F + 50
O_R_FILL = N_I + N_F + 51
O_R_POS = N_I + N_F + 52
O_SEQ_PATTERN = N_I + N_F + 53
O_ST_CAL = N_I + N_F + 54
O_ST_FAIL = N_I + N_F + 55
O_ST_FAILURES = N_I + N_F + 56
O_ST_FIRST_Q = N_I + N_F + 57
O_ST_IN0 = N_I + N_F + 58
O_ST_IN_KIND = N_I + N_F + 59
O_ST_INACTIVE = N_I + N_F + 60
O_ST_LANE0 = N_I + N_F + 61
O_ST_LOSE = N_I + N_F + 62
O_ST_NIN = N_I + N_F + 63
O_ST_NLANES = N_I + N_F + 64
O_ST_NOUT = N_I + N_F + 65
O_ST_OUT0 = N_I + N_F + 66
O_ST_PLAN = N_I + N_F + 67
O_ST_REF_CAL = N_I + N_F + 68
O_ST_REPAIR_PLAIN = N_I + N_F + 69
O_ST_REWORK_LANE = N_I + N_F + 70
O_ST_ROUTE = N_I + N_F + 71
O_ST_SEQPOS = N_I + N_F + 72
O_ST_SETUP = N_I + N_F + 73
O_ST_SHARED_Q = N_I + N_F + 74
O_ST_TURN = N_I + N_F + 75
O_WAIT_TOK = N_I + N_F + 76
O_C_MISSING = N_I + N_F + 77
O_C_MISSING_STARTS = N_I + N_F + 78
O_C_STARTS = N_I + N_F + 79
O_NEED = N_I + N_F + 80
O_TMP_MASK = N_I + N_F + 81
O_H_SEQ = N_I + N_F + 82
O_H_P = N_I + N_F + 83
O_H_TOK = N_I + N_F + 84
O_TM_TOK = N_I + N_F + 85
O_FC_STATE = N_I + N_F + 86
O_FC_TOK = N_I + N_F + 87
O_COND_TOK = N_I + N_F + 88
O_COND_PENDING = N_I + N_F + 89
O_P_RET = N_I + N_F + 90
O_P_WSTATE = N_I + N_F + 91
O_BL_DEST = N_I + N_F + 92
O_E_CONV = N_I + N_F + 93
O_E_UCAL = N_I + N_F + 94
O_E_MV_OFF = N_I + N_F + 95
O_E_MV_HEAD = N_I + N_F + 96
O_E_MV_N = N_I + N_F + 97
O_MV_V = N_I + N_F + 98
O_P_COND = N_I + N_F + 99
O_E_WAKE_P = N_I + N_F + 100
O_E_LT_OFF = N_I + N_F + 101
O_E_LT_TOP = N_I + N_F + 102
O_ST_OFFERED = N_I + N_F + 103
O_ST_LOST = N_I + N_F + 104
O_C_SINCE_S = N_I + N_F + 105 + 0
O_C_SINCE_T = N_I + N_F + 105 + 1
O_CAL_CUM = N_I + N_F + 105 + 2
O_CAL_LENS = N_I + N_F + 105 + 3
O_CAL_PER = N_I + N_F + 105 + 4
O_CAL_STARTS = N_I + N_F + 105 + 5
O_E_AREA = N_I + N_F + 105 + 6
O_E_FREE = N_I + N_F + 105 + 7
O_E_TLAST = N_I + N_F + 105 + 8
O_H_T = N_I + N_F + 105 + 9
O_HELD_E = N_I + N_F + 105 + 10
O_IN_E = N_I + N_F + 105 + 11
O_MIX_CUM = N_I + N_F + 105 + 12
O_OUT_CUM = N_I + N_F + 105 + 13
O_P_LEFT = N_I + N_F + 105 + 14
O_P_WORK = N_I + N_F + 105 + 15
O_PART_E = N_I + N_F + 105 + 16
O_PE = N_I + N_F + 105 + 17
O_R_CONST = N_I + N_F + 105 + 18
O_ST_REWORK = N_I + N_F + 105 + 19
O_ST_SCRAP = N_I + N_F + 105 + 20
O_C_ACC = N_I + N_F + 105 + 21
O_C_MISSING_S = N_I + N_F + 105 + 22
O_CAL_SEG = N_I + N_F + 105 + 23
O_FC_DUE = N_I + N_F + 105 + 24
O_P_DONE = N_I + N_F + 105 + 25
O_P_S0 = N_I + N_F + 105 + 26
O_E_TRANSFER = N_I + N_F + 105 + 27
O_MV_T = N_I + N_F + 105 + 28
O_MV_E = N_I + N_F + 105 + 29
O_E_LT = N_I + N_F + 105 + 30
N_HEADER = N_I + N_F + 136

# Maximum counts (``limits``; a scenario above one runs on the SimPy engine) and the lengths of
# the fixed regions they give.
MAX_P, MAX_ST, MAX_E, MAX_IN, MAX_S = MAX_PROCESSES, MAX_STATIONS, MAX_EDGES, MAX_INPUTS, MAX_STREAMS
MAX_CAL = MAX_ST + 1  # the output calendar and one per station at most
MAX_Q = 2 * MAX_E + MAX_ST  # waiting lists: a slot list per edge, a part list per edge or station
HEAP_CAP = 4 * MAX_P + 16  # pending timed events
FIFO_CAP = 1 << (4 * MAX_P + 64).bit_length()  # zero-delay events (a power of two: index by mask)


def _after(start, length):
    """The start of the region after one of ``length`` at ``start``: on a cache line (8 entries),
    three lines further, so that the regions' first entries fall in different L1 cache sets
    (regions a multiple of 4 KiB apart would all share one set and evict each other)."""
    return (start + length + 7) // 8 * 8 + 24

# Fixed regions (see the module docstring): the per-entity fields at compile-time offsets.
FIXED = (  # (field, region length)
    ('wait_tok', MAX_P),
    ('fired', MAX_P),
    ('in_e', MAX_P),
    ('in_v', MAX_P),
    ('in_edge', MAX_P),
    ('movable', MAX_P),
    ('held_e', MAX_P),
    ('held_v', MAX_P),
    ('p_st', MAX_P),
    ('c_state', MAX_P),
    ('c_since_s', MAX_P),
    ('c_since_t', MAX_P),
    ('c_nmissing', MAX_P),
    ('p_pc', MAX_P),
    ('p_left', MAX_P),
    ('p_s_fail', MAX_P),
    ('kit_taken', MAX_P),
    ('part_e', MAX_P),
    ('part_v', MAX_P),
    ('last_v', MAX_P),
    ('p_work', MAX_P),
    ('p_s_setup', MAX_P),
    ('p_s_repair', MAX_P),
    ('p_s_scrap', MAX_P),
    ('p_s_rework', MAX_P),
    ('p_s_route', MAX_P),
    ('p_s_arrival', MAX_P),
    ('p_kind', MAX_P),
    ('tm_tok', MAX_P),
    ('fc_state', MAX_P),
    ('fc_tok', MAX_P),
    ('cond_tok', MAX_P),
    ('cond_pending', MAX_P),
    ('p_ret', MAX_P),
    ('p_wstate', MAX_P),
    ('bl_dest', MAX_P),
    ('fc_due', MAX_P),
    ('p_done', MAX_P),
    ('p_s0', MAX_P),
    ('p_cond', MAX_P),
    ('c_acc', 6 * MAX_P),
    ('c_starts', 6 * MAX_P),
    ('c_missing', MAX_IN * MAX_P),
    ('c_missing_s', MAX_IN * MAX_P),
    ('c_missing_starts', MAX_IN * MAX_P),
    ('need', MAX_IN * MAX_P),
    ('tmp_mask', MAX_IN * MAX_P),
    ('st_inactive', MAX_ST),
    ('st_cal', MAX_ST),
    ('st_ref_cal', MAX_ST),
    ('st_in_kind', MAX_ST),
    ('st_nin', MAX_ST),
    ('st_plan', MAX_ST),
    ('st_seqpos', MAX_ST),
    ('st_lane0', MAX_ST),
    ('st_nlanes', MAX_ST),
    ('st_in0', MAX_ST),
    ('st_turn', MAX_ST),
    ('st_fail', MAX_ST),
    ('st_shared_q', MAX_ST),
    ('st_first_q', MAX_ST),
    ('st_setup', MAX_ST),
    ('st_failures', MAX_ST),
    ('st_repair_plain', MAX_ST),
    ('st_scrap', MAX_ST),
    ('st_rework', MAX_ST),
    ('st_rework_lane', MAX_ST),
    ('st_route', MAX_ST),
    ('st_out0', MAX_ST),
    ('st_nout', MAX_ST),
    ('st_lose', MAX_ST),
    ('e_n', MAX_E),
    ('e_ring', MAX_E),
    ('e_off', MAX_E),
    ('e_head', MAX_E),
    ('e_area', MAX_E),
    ('e_tlast', MAX_E),
    ('e_lt_off', MAX_E),
    ('e_lt_top', MAX_E),
    ('e_pwq', MAX_E),
    ('e_swq', MAX_E),
    ('e_free', MAX_E),
    ('e_max', MAX_E),
    ('e_conv', MAX_E),
    ('e_ucal', MAX_E),
    ('e_transfer', MAX_E),
    ('e_mv_off', MAX_E),
    ('e_mv_head', MAX_E),
    ('e_mv_n', MAX_E),
    ('e_wake_p', MAX_E),
    ('in_edges', MAX_E + 1),
    ('in_q', MAX_E + 1),
    ('in_seq', MAX_E + 1),
    ('oos', MAX_E + 1),
    ('lanes', MAX_E + 1),
    ('out_edges', MAX_E + 1),
    ('out_cum', MAX_E + 1),
    ('q_n', MAX_Q),
    ('q_cap', MAX_Q),
    ('q_off', MAX_Q),
    ('q_head', MAX_Q),
    ('r_const', MAX_S),
    ('r_pos', MAX_S),
    ('r_fill', MAX_S),
    ('cal_cont', MAX_CAL),
    ('cal_per', MAX_CAL),
    ('cal_a0', MAX_CAL),
    ('cal_n', MAX_CAL),
    ('cal_seg', 4 * MAX_CAL),
    ('h_t', HEAP_CAP),
    ('h_seq', HEAP_CAP),
    ('h_p', HEAP_CAP),
    ('h_tok', HEAP_CAP),
    ('f_p', FIFO_CAP),
    ('f_tok', FIFO_CAP),
)
A_WAIT_TOK = N_HEADER
A_FIRED = _after(A_WAIT_TOK, MAX_P)
A_IN_E = _after(A_FIRED, MAX_P)
A_IN_V = _after(A_IN_E, MAX_P)
A_IN_EDGE = _after(A_IN_V, MAX_P)
A_MOVABLE = _after(A_IN_EDGE, MAX_P)
A_HELD_E = _after(A_MOVABLE, MAX_P)
A_HELD_V = _after(A_HELD_E, MAX_P)
A_P_ST = _after(A_HELD_V, MAX_P)
A_C_STATE = _after(A_P_ST, MAX_P)
A_C_SINCE_S = _after(A_C_STATE, MAX_P)
A_C_SINCE_T = _after(A_C_SINCE_S, MAX_P)
A_C_NMISSING = _after(A_C_SINCE_T, MAX_P)
A_P_PC = _after(A_C_NMISSING, MAX_P)
A_P_LEFT = _after(A_P_PC, MAX_P)
A_P_S_FAIL = _after(A_P_LEFT, MAX_P)
A_KIT_TAKEN = _after(A_P_S_FAIL, MAX_P)
A_PART_E = _after(A_KIT_TAKEN, MAX_P)
A_PART_V = _after(A_PART_E, MAX_P)
A_LAST_V = _after(A_PART_V, MAX_P)
A_P_WORK = _after(A_LAST_V, MAX_P)
A_P_S_SETUP = _after(A_P_WORK, MAX_P)
A_P_S_REPAIR = _after(A_P_S_SETUP, MAX_P)
A_P_S_SCRAP = _after(A_P_S_REPAIR, MAX_P)
A_P_S_REWORK = _after(A_P_S_SCRAP, MAX_P)
A_P_S_ROUTE = _after(A_P_S_REWORK, MAX_P)
A_P_S_ARRIVAL = _after(A_P_S_ROUTE, MAX_P)
A_P_KIND = _after(A_P_S_ARRIVAL, MAX_P)
A_TM_TOK = _after(A_P_KIND, MAX_P)
A_FC_STATE = _after(A_TM_TOK, MAX_P)
A_FC_TOK = _after(A_FC_STATE, MAX_P)
A_COND_TOK = _after(A_FC_TOK, MAX_P)
A_COND_PENDING = _after(A_COND_TOK, MAX_P)
A_P_RET = _after(A_COND_PENDING, MAX_P)
A_P_WSTATE = _after(A_P_RET, MAX_P)
A_BL_DEST = _after(A_P_WSTATE, MAX_P)
A_FC_DUE = _after(A_BL_DEST, MAX_P)
A_P_DONE = _after(A_FC_DUE, MAX_P)
A_P_S0 = _after(A_P_DONE, MAX_P)
A_P_COND = _after(A_P_S0, MAX_P)
A_C_ACC = _after(A_P_COND, MAX_P)
A_C_STARTS = _after(A_C_ACC, 6 * MAX_P)
A_C_MISSING = _after(A_C_STARTS, 6 * MAX_P)
A_C_MISSING_S = _after(A_C_MISSING, MAX_IN * MAX_P)
A_C_MISSING_STARTS = _after(A_C_MISSING_S, MAX_IN * MAX_P)
A_NEED = _after(A_C_MISSING_STARTS, MAX_IN * MAX_P)
A_TMP_MASK = _after(A_NEED, MAX_IN * MAX_P)
A_ST_INACTIVE = _after(A_TMP_MASK, MAX_IN * MAX_P)
A_ST_CAL = _after(A_ST_INACTIVE, MAX_ST)
A_ST_REF_CAL = _after(A_ST_CAL, MAX_ST)
A_ST_IN_KIND = _after(A_ST_REF_CAL, MAX_ST)
A_ST_NIN = _after(A_ST_IN_KIND, MAX_ST)
A_ST_PLAN = _after(A_ST_NIN, MAX_ST)
A_ST_SEQPOS = _after(A_ST_PLAN, MAX_ST)
A_ST_LANE0 = _after(A_ST_SEQPOS, MAX_ST)
A_ST_NLANES = _after(A_ST_LANE0, MAX_ST)
A_ST_IN0 = _after(A_ST_NLANES, MAX_ST)
A_ST_TURN = _after(A_ST_IN0, MAX_ST)
A_ST_FAIL = _after(A_ST_TURN, MAX_ST)
A_ST_SHARED_Q = _after(A_ST_FAIL, MAX_ST)
A_ST_FIRST_Q = _after(A_ST_SHARED_Q, MAX_ST)
A_ST_SETUP = _after(A_ST_FIRST_Q, MAX_ST)
A_ST_FAILURES = _after(A_ST_SETUP, MAX_ST)
A_ST_REPAIR_PLAIN = _after(A_ST_FAILURES, MAX_ST)
A_ST_SCRAP = _after(A_ST_REPAIR_PLAIN, MAX_ST)
A_ST_REWORK = _after(A_ST_SCRAP, MAX_ST)
A_ST_REWORK_LANE = _after(A_ST_REWORK, MAX_ST)
A_ST_ROUTE = _after(A_ST_REWORK_LANE, MAX_ST)
A_ST_OUT0 = _after(A_ST_ROUTE, MAX_ST)
A_ST_NOUT = _after(A_ST_OUT0, MAX_ST)
A_ST_LOSE = _after(A_ST_NOUT, MAX_ST)
A_E_N = _after(A_ST_LOSE, MAX_ST)
A_E_RING = _after(A_E_N, MAX_E)
A_E_OFF = _after(A_E_RING, MAX_E)
A_E_HEAD = _after(A_E_OFF, MAX_E)
A_E_AREA = _after(A_E_HEAD, MAX_E)
A_E_TLAST = _after(A_E_AREA, MAX_E)
A_E_LT_OFF = _after(A_E_TLAST, MAX_E)
A_E_LT_TOP = _after(A_E_LT_OFF, MAX_E)
A_E_PWQ = _after(A_E_LT_TOP, MAX_E)
A_E_SWQ = _after(A_E_PWQ, MAX_E)
A_E_FREE = _after(A_E_SWQ, MAX_E)
A_E_MAX = _after(A_E_FREE, MAX_E)
A_E_CONV = _after(A_E_MAX, MAX_E)
A_E_UCAL = _after(A_E_CONV, MAX_E)
A_E_TRANSFER = _after(A_E_UCAL, MAX_E)
A_E_MV_OFF = _after(A_E_TRANSFER, MAX_E)
A_E_MV_HEAD = _after(A_E_MV_OFF, MAX_E)
A_E_MV_N = _after(A_E_MV_HEAD, MAX_E)
A_E_WAKE_P = _after(A_E_MV_N, MAX_E)
A_IN_EDGES = _after(A_E_WAKE_P, MAX_E)
A_IN_Q = _after(A_IN_EDGES, MAX_E + 1)
A_IN_SEQ = _after(A_IN_Q, MAX_E + 1)
A_OOS = _after(A_IN_SEQ, MAX_E + 1)
A_LANES = _after(A_OOS, MAX_E + 1)
A_OUT_EDGES = _after(A_LANES, MAX_E + 1)
A_OUT_CUM = _after(A_OUT_EDGES, MAX_E + 1)
A_Q_N = _after(A_OUT_CUM, MAX_E + 1)
A_Q_CAP = _after(A_Q_N, MAX_Q)
A_Q_OFF = _after(A_Q_CAP, MAX_Q)
A_Q_HEAD = _after(A_Q_OFF, MAX_Q)
A_R_CONST = _after(A_Q_HEAD, MAX_Q)
A_R_POS = _after(A_R_CONST, MAX_S)
A_R_FILL = _after(A_R_POS, MAX_S)
A_CAL_CONT = _after(A_R_FILL, MAX_S)
A_CAL_PER = _after(A_CAL_CONT, MAX_CAL)
A_CAL_A0 = _after(A_CAL_PER, MAX_CAL)
A_CAL_N = _after(A_CAL_A0, MAX_CAL)
A_CAL_SEG = _after(A_CAL_N, MAX_CAL)
A_H_T = _after(A_CAL_SEG, 4 * MAX_CAL)
A_H_SEQ = _after(A_H_T, HEAP_CAP)
A_H_P = _after(A_H_SEQ, HEAP_CAP)
A_H_TOK = _after(A_H_P, HEAP_CAP)
A_F_P = _after(A_H_TOK, HEAP_CAP)
A_F_TOK = _after(A_F_P, FIFO_CAP)
A_RV = _after(A_F_TOK, FIFO_CAP)  # the random-number rings (n_streams × RING) start here
A_POOLS = A_RV  # + n_streams × RING: the variable-size pools follow (runtime offsets)

# Event kinds (low 2 bits of a queue entry's code; the rest is the token). A process waits
# on its own timeouts (E_TIMEOUT) and on the event of its part or place (E_EV); with
# scheduled-basis failures it waits on the condition "part (or place) | failure clock" (SimPy's
# ``ev | fclock.event``): E_EV or the failure clock's timeout (E_FC), when processed, schedules
# the condition (E_COND), which resumes the process — the same two hops as in SimPy.
E_TIMEOUT, E_EV, E_FC, E_COND = 0, 1, 2, 3
# The failure clock's event (scheduled basis): none, scheduled, processed.
FC_NONE, FC_PENDING, FC_DONE = 0, 1, 2

# Process kinds.
K_SERVER, K_ARRIVAL, K_CONVEYOR = 0, 1, 2  # a conveyor process's p_st is its edge

# Resume points (pc) of a server process.
PC_INIT, PC_GOT_SINGLE, PC_SRC_RESUMED, PC_GOT_MERGE, PC_KIT_FIRST, PC_KIT_WAIT, PC_SETUP_DONE, \
    PC_OP_TO_FAIL, PC_OP_REPAIRED, PC_DONE, PC_UNBLOCKED, PC_WF_COND, PC_WF_REPAIRED, \
    PC_SCH_TO_FAIL, PC_SCH_REPAIRED = np.arange(15, dtype=np.int64)
# ... of an arrival process.
PC_ARR_NEXT, PC_ARR_UNBLOCKED = 20, 21
# ... of a conveyor process.
PC_CONV_WAKE, PC_CONV_ARRIVED = 30, 31

# Phases of a server's loop (between resume points).
PH_TAKE, PH_SRC, PH_KIT_BEGIN, PH_KIT_FIRST, PH_KIT_COLLECT, PH_KIT_DONE, PH_START, PH_WORK, \
    PH_OP_LOOP, PH_OP_DOWN, PH_PROCESS, PH_DISPOSE, PH_SCH_LOOP, PH_SCH_DOWN, PH_RESUMED = range(15)
PH_STOP = -1  # the process waits: its resume ends

# Routing kinds of a station's output side.
R_SINK, R_ONE, R_BY_VARIANT, R_FRACTIONS, R_FIRST_FREE = range(5)
# Input kinds.
IN_SINGLE, IN_UNLIMITED, IN_MERGE, IN_ASSEMBLY = range(4)
# Failure kinds.
F_NONE, F_OPERATING, F_SCHEDULED = 0, 1, 2


RING = 4 * BLOCK  # a power of two (index by mask)


# ---------------------------------------------------------------------------------------------
# Calendars (calendars.py, operation for operation: the same floats).

@njit(cache=True, _nrt=False, error_model="numpy")
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


@njit(cache=True, _nrt=False, error_model="numpy")
def _segment(M, c, t):
    F = M.view(np.float64)
    k, r = _pydivmod(t, YEAR)
    origin = k * YEAR
    base = k * F[U(A_CAL_PER + c)]
    a0 = M[U(A_CAL_A0 + c)]
    n = M[U(A_CAL_N + c)]
    starts = F[M[O_CAL_STARTS]:]
    lens = F[M[O_CAL_LENS]:]
    # bisect_right(starts, r) - 1
    lo_i, hi_i = 0, n
    while lo_i < hi_i:
        mid = (lo_i + hi_i) // 2
        if r < starts[U(a0 + mid)]:
            hi_i = mid
        else:
            lo_i = mid + 1
    i = lo_i - 1
    seg = F[A_CAL_SEG + 4 * c:]
    if i < 0:
        seg[0] = origin
        seg[1] = origin + starts[U(a0)]
        seg[2] = base
        seg[3] = 0.0
    elif r < starts[U(a0 + i)] + lens[U(a0 + i)]:
        lo = origin + starts[U(a0 + i)]
        seg[0] = lo
        seg[1] = lo + lens[U(a0 + i)]
        seg[2] = base + F[U(M[O_CAL_CUM] + a0 + i)]
        seg[3] = 1.0
    else:
        lo = origin + starts[U(a0 + i)] + lens[U(a0 + i)]
        if i + 1 < n:
            hi = origin + starts[U(a0 + i + 1)]
        else:
            hi = origin + YEAR
        seg[0] = lo
        seg[1] = hi
        seg[2] = base + F[U(M[O_CAL_CUM] + a0 + i)] + lens[U(a0 + i)]
        seg[3] = 0.0


@njit(cache=True, _nrt=False, error_model="numpy")
def sched(M, c, t):
    """Scheduled seconds in [0, t) on calendar c."""
    F = M.view(np.float64)
    if M[U(A_CAL_CONT + c)]:
        return t
    seg = F[A_CAL_SEG + 4 * c:]
    if not (seg[0] <= t < seg[1]):
        _segment(M, c, t)
    return seg[2] + (t - seg[0]) * seg[3]


@njit(cache=True, _nrt=False, error_model="numpy")
def resume_at(M, c, t):
    F = M.view(np.float64)
    if M[U(A_CAL_CONT + c)]:
        return t
    seg = F[A_CAL_SEG + 4 * c:]
    while True:
        if not (seg[0] <= t < seg[1]):
            _segment(M, c, t)
        if seg[3] != 0.0:
            return t
        t = seg[1]


@njit(cache=True, _nrt=False, error_model="numpy")
def time_at(M, c, s):
    F = M.view(np.float64)
    if M[U(A_CAL_CONT + c)]:
        return s
    if s <= 0:
        return 0.0
    per = F[U(A_CAL_PER + c)]
    k, rem = _pydivmod(s, per)
    if rem <= 0:
        k -= 1
        rem = per
    a0 = M[U(A_CAL_A0 + c)]
    n = M[U(A_CAL_N + c)]
    cum = F[M[O_CAL_CUM]:]
    # bisect_left(cum, rem) - 1
    lo_i, hi_i = 0, n
    while lo_i < hi_i:
        mid = (lo_i + hi_i) // 2
        if cum[U(a0 + mid)] < rem:
            lo_i = mid + 1
        else:
            hi_i = mid
    i = lo_i - 1
    return k * YEAR + F[U(M[O_CAL_STARTS] + a0 + i)] + (rem - cum[U(a0 + i)])


@njit(cache=True, _nrt=False, error_model="numpy")
def advance(M, c, t, w):
    F = M.view(np.float64)
    if M[U(A_CAL_CONT + c)]:
        return t + w
    if w <= 0:
        return t
    seg = F[A_CAL_SEG + 4 * c:]
    if not (seg[0] <= t < seg[1]):
        _segment(M, c, t)
    if seg[3] != 0.0 and t + w <= seg[1]:
        return t + w
    end = time_at(M, c, seg[2] + (t - seg[0]) * seg[3] + w)
    return end if end > t else t


@njit(cache=True, _nrt=False, error_model="numpy")
def _det(M, F):
    """The bottleneck detector's state (its two arrays live in M)."""
    return DetectorState(F[M[I_DET_F]:M[I_DET_F] + M[I_DET_FN]], M[M[I_DET_I]:M[I_DET_I] + M[I_DET_IN]])


# ---------------------------------------------------------------------------------------------
# Random streams.

@njit(cache=True, _nrt=False, error_model="numpy")
def draw(M, sid):
    F = M.view(np.float64)
    c = F[U(A_R_CONST + sid)]
    if c == c:  # not NaN: a constant, no draw
        return c
    pos = M[U(A_R_POS + sid)]
    x = F[U(A_RV + sid * RING + (pos & (RING - 1)))]
    M[U(A_R_POS + sid)] = pos + 1
    if M[U(A_R_FILL + sid)] - pos - 1 < BLOCK:
        M[I_FLAG] = 1
    return x


# ---------------------------------------------------------------------------------------------
# Event queue.

@njit(cache=True, _nrt=False, error_model="numpy")
def _heap_push(M, t, p, tok):
    F = M.view(np.float64)
    n = M[I_HN]
    if n >= HEAP_CAP:
        M[I_ERR] = 1
        return
    seq = M[I_SEQ]
    M[I_SEQ] = seq + 1
    ht = F[A_H_T:]
    hs = M[A_H_SEQ:]
    hp = M[A_H_P:]
    hk = M[A_H_TOK:]
    i = n
    while i > 0:
        parent = (i - 1) >> 1
        pt = ht[U(parent)]
        if pt < t or (pt == t and hs[U(parent)] < seq):
            break
        ht[U(i)] = pt
        hs[U(i)] = hs[U(parent)]
        hp[U(i)] = hp[U(parent)]
        hk[U(i)] = hk[U(parent)]
        i = parent
    ht[U(i)] = t
    hs[U(i)] = seq
    hp[U(i)] = p
    hk[U(i)] = tok
    M[I_HN] = n + 1


@njit(cache=True, _nrt=False, error_model="numpy")
def _heap_pop(M):
    F = M.view(np.float64)
    ht = F[A_H_T:]
    hs = M[A_H_SEQ:]
    hp = M[A_H_P:]
    hk = M[A_H_TOK:]
    p = hp[0]
    tok = hk[0]
    n = M[I_HN] - 1
    M[I_HN] = n
    if n > 0:
        t = ht[U(n)]
        seq = hs[U(n)]
        lp = hp[U(n)]
        lk = hk[U(n)]
        i = 0
        while True:
            c = 2 * i + 1
            if c >= n:
                break
            if c + 1 < n and (ht[U(c + 1)] < ht[U(c)] or (ht[U(c + 1)] == ht[U(c)] and hs[U(c + 1)] < hs[U(c)])):
                c += 1
            if t < ht[U(c)] or (t == ht[U(c)] and seq < hs[U(c)]):
                break
            ht[U(i)] = ht[U(c)]
            hs[U(i)] = hs[U(c)]
            hp[U(i)] = hp[U(c)]
            hk[U(i)] = hk[U(c)]
            i = c
        ht[U(i)] = t
        hs[U(i)] = seq
        hp[U(i)] = lp
        hk[U(i)] = lk
    return p, tok


@njit(cache=True, _nrt=False, error_model="numpy")
def _fifo_push(M, p, tok):
    tail = M[I_FT]
    cap = FIFO_CAP
    if tail - M[I_FH] >= cap:
        M[I_ERR] = 2
        return
    M[U(A_F_P + (tail & (cap - 1)))] = p
    M[U(A_F_TOK + (tail & (cap - 1)))] = tok
    M[I_FT] = tail + 1


@njit(cache=True, _nrt=False, error_model="numpy")
def new_wait(M, p):
    tok = M[U(A_WAIT_TOK + p)] + 1
    M[U(A_WAIT_TOK + p)] = tok
    M[U(A_FIRED + p)] = 0
    return tok


@njit(cache=True, _nrt=False, error_model="numpy")
def _schedule(M, p, delay, code):
    """An event of process p at now + delay (zero delay: after everything scheduled before)."""
    F = M.view(np.float64)
    if delay == 0.0:
        _fifo_push(M, p, code)
    else:
        _heap_push(M, F[F_NOW] + delay, p, code)


@njit(cache=True, _nrt=False, error_model="numpy")
def timeout(M, p, delay):
    """``yield env.timeout(delay)`` by process p: resumes it at now + delay."""
    tok = M[U(A_TM_TOK + p)] + 1
    M[U(A_TM_TOK + p)] = tok
    _schedule(M, p, delay, tok * 4 + E_TIMEOUT)


@njit(cache=True, _nrt=False, error_model="numpy")
def succeed(M, p, tok):
    """``event.succeed()`` of process p's wait ``tok`` (its value is in p's inbox)."""
    M[U(A_FIRED + p)] = 1
    _fifo_push(M, p, tok * 4 + E_EV)


@njit(cache=True, _nrt=False, error_model="numpy")
def triggered(M, p, tok):
    return tok != M[U(A_WAIT_TOK + p)] or M[U(A_FIRED + p)] != 0


# ---------------------------------------------------------------------------------------------
# Waiter queues (rings of (process, token)).

@njit(cache=True, _nrt=False, error_model="numpy")
def _q_compact(M, q):
    """Collapse each run of triggered (stale) entries into one. Every reader pops or skips
    stale entries, and the only other thing read is whether the list is empty (the model's
    ``if edge.slot_waiters`` / ``edge.part_waiters``), so this changes nothing the model can
    see; it bounds a list to about twice its live entries (the SimPy deques grow instead)."""
    cap = M[U(A_Q_CAP + q)]
    off = M[U(A_Q_OFF + q)]
    head = M[U(A_Q_HEAD + q)]
    n = M[U(A_Q_N + q)]
    kept = 0
    last_stale = False
    for j in range(n):
        a = head + j
        if a >= cap:
            a -= cap
        wp = M[U(M[O_Q_P] + off + a)]
        wt = M[U(M[O_Q_TOK] + off + a)]
        stale = triggered(M, wp, wt)
        if stale and last_stale:
            continue
        last_stale = stale
        b = head + kept
        if b >= cap:
            b -= cap
        M[U(M[O_Q_P] + off + b)] = wp
        M[U(M[O_Q_TOK] + off + b)] = wt
        kept += 1
    M[U(A_Q_N + q)] = kept


@njit(cache=True, _nrt=False, error_model="numpy")
def q_push(M, q, p, tok):
    n = M[U(A_Q_N + q)]
    cap = M[U(A_Q_CAP + q)]
    if n >= cap:
        _q_compact(M, q)
        n = M[U(A_Q_N + q)]
        if n >= cap:
            M[I_ERR] = 3
            return
    i = M[U(A_Q_HEAD + q)] + n
    if i >= cap:
        i -= cap
    i += M[U(A_Q_OFF + q)]
    M[U(M[O_Q_P] + i)] = p
    M[U(M[O_Q_TOK] + i)] = tok
    M[U(A_Q_N + q)] = n + 1


@njit(cache=True, _nrt=False, error_model="numpy")
def q_pop(M, q):
    i = M[U(A_Q_OFF + q)] + M[U(A_Q_HEAD + q)]
    h = M[U(A_Q_HEAD + q)] + 1
    M[U(A_Q_HEAD + q)] = 0 if h == M[U(A_Q_CAP + q)] else h
    M[U(A_Q_N + q)] -= 1
    return M[U(M[O_Q_P] + i)], M[U(M[O_Q_TOK] + i)]


@njit(cache=True, _nrt=False, error_model="numpy")
def q_at(M, q, j):
    i = M[U(A_Q_HEAD + q)] + j
    if i >= M[U(A_Q_CAP + q)]:
        i -= M[U(A_Q_CAP + q)]
    i += M[U(A_Q_OFF + q)]
    return M[U(M[O_Q_P] + i)], M[U(M[O_Q_TOK] + i)]


@njit(cache=True, _nrt=False, error_model="numpy")
def q_remove_at(M, q, j):
    cap = M[U(A_Q_CAP + q)]
    off = M[U(A_Q_OFF + q)]
    head = M[U(A_Q_HEAD + q)]
    n = M[U(A_Q_N + q)]
    for m in range(j, n - 1):
        a = off + (head + m) % cap
        b = off + (head + m + 1) % cap
        M[U(M[O_Q_P] + a)] = M[U(M[O_Q_P] + b)]
        M[U(M[O_Q_TOK] + a)] = M[U(M[O_Q_TOK] + b)]
    M[U(A_Q_N + q)] = n - 1


# ---------------------------------------------------------------------------------------------
# Edges (model.Buffer): waiting places, parts waiting, blocked upstream servers.

@njit(cache=True, _nrt=False, error_model="numpy")
def _parts_push(M, e, entry, v):
    F = M.view(np.float64)
    n = M[U(A_E_N + e)]
    cap = M[U(A_E_RING + e)]
    if n >= cap:
        M[I_ERR] = 4
        return
    i = M[U(A_E_HEAD + e)] + n
    if i >= cap:
        i -= cap
    i += M[U(A_E_OFF + e)]
    F[U(M[O_PE] + i)] = entry
    M[U(M[O_PV] + i)] = v
    M[U(A_E_N + e)] = n + 1


@njit(cache=True, _nrt=False, error_model="numpy")
def _parts_pop(M, e):
    F = M.view(np.float64)
    i = M[U(A_E_OFF + e)] + M[U(A_E_HEAD + e)]
    h = M[U(A_E_HEAD + e)] + 1
    M[U(A_E_HEAD + e)] = 0 if h == M[U(A_E_RING + e)] else h
    M[U(A_E_N + e)] -= 1
    return F[U(M[O_PE] + i)], M[U(M[O_PV] + i)]


@njit(cache=True, _nrt=False, error_model="numpy")
def _integrate(M, e, now, n):
    """Edge e's level was ``n`` since its last change: integrate it (the area, and the time at
    level n in its occupancy histogram; model.Buffer._integrate, the same float operations).
    ``e_lt_off`` holds the absolute offset of the edge's bins in M (build adds the pool's)."""
    F = M.view(np.float64)
    dt = now - F[U(A_E_TLAST + e)]
    F[U(A_E_AREA + e)] += n * dt
    top = M[U(A_E_LT_TOP + e)]
    F[U(M[U(A_E_LT_OFF + e)] + (n if n < top else top))] += dt
    F[U(A_E_TLAST + e)] = now


@njit(cache=True, _nrt=False, error_model="numpy")
def _area(M, e, now):
    _integrate(M, e, now, M[U(A_E_N + e)])


@njit(cache=True, _nrt=False, error_model="numpy")
def _hand_to_waiting(M, e, entry, v):
    F = M.view(np.float64)
    q = M[U(A_E_PWQ + e)]
    while M[U(A_Q_N + q)] > 0:
        p, tok = q_pop(M, q)
        if triggered(M, p, tok):
            continue
        F[U(A_IN_E + p)] = entry
        M[U(A_IN_V + p)] = v
        M[U(A_IN_EDGE + p)] = e
        succeed(M, p, tok)
        return True
    return False


@njit(cache=True, _nrt=False, error_model="numpy")
def _conv_content(M, e, now, delta):
    """Conveyor: integrate its whole content (moving and waiting) and track its maximum."""
    n = M[U(A_E_MV_N + e)] + M[U(A_E_N + e)]
    _integrate(M, e, now, n)
    if delta > 0 and n + delta > M[U(A_E_MAX + e)]:
        M[U(A_E_MAX + e)] = n + delta


@njit(cache=True, _nrt=False, error_model="numpy")
def _conv_load(M, e, now, entry, v):
    """A part goes onto conveyor e: it reaches the end after the transfer time (scheduled time
    of the upstream station's calendar); wake the conveyor's process if it sleeps."""
    F = M.view(np.float64)
    _conv_content(M, e, now, 1)
    n = M[U(A_E_MV_N + e)]
    cap = M[U(A_E_RING + e)]
    if n >= cap:
        M[I_ERR] = 5
        return
    i = M[U(A_E_MV_HEAD + e)] + n
    if i >= cap:
        i -= cap
    i += M[U(A_E_MV_OFF + e)]
    F[U(M[O_MV_T] + i)] = advance(M, M[U(A_E_UCAL + e)], now, F[U(A_E_TRANSFER + e)])
    F[U(M[O_MV_E] + i)] = entry
    M[U(M[O_MV_V] + i)] = v
    M[U(A_E_MV_N + e)] = n + 1
    wp = M[U(A_E_WAKE_P + e)]
    if M[U(A_P_PC + wp)] == PC_CONV_WAKE and not M[U(A_FIRED + wp)]:
        succeed(M, wp, M[U(A_WAIT_TOK + wp)])


@njit(cache=True, _nrt=False, error_model="numpy")
def _place_freed(M, e, now):
    F = M.view(np.float64)
    q = M[U(A_E_SWQ + e)]
    conv = M[U(A_E_CONV + e)]
    while M[U(A_Q_N + q)] > 0:
        p, tok = q_pop(M, q)
        if triggered(M, p, tok):
            continue
        if M[U(A_MOVABLE + p)]:
            if conv:
                _conv_load(M, e, now, F[U(A_HELD_E + p)], M[U(A_HELD_V + p)])
            else:
                _area(M, e, now)
                _parts_push(M, e, F[U(A_HELD_E + p)], M[U(A_HELD_V + p)])
            M[U(A_IN_EDGE + p)] = -1
        else:
            M[U(A_IN_EDGE + p)] = e  # a place promised to a server that is down
        succeed(M, p, tok)
        return
    F[U(A_E_FREE + e)] += 1.0


@njit(cache=True, _nrt=False, error_model="numpy")
def _append(M, e, now, entry, v):
    n = M[U(A_E_N + e)]
    _area(M, e, now)
    _parts_push(M, e, entry, v)
    if n >= M[U(A_E_MAX + e)]:
        M[U(A_E_MAX + e)] = n + 1


@njit(cache=True, _nrt=False, error_model="numpy")
def offer(M, e, now, entry, v):
    F = M.view(np.float64)
    if M[U(A_E_CONV + e)]:  # nothing is handed over before its transfer
        if F[U(A_E_FREE + e)] > 0:
            F[U(A_E_FREE + e)] -= 1.0
            _conv_load(M, e, now, entry, v)
            return True
        return False
    if _hand_to_waiting(M, e, entry, v):
        return True
    if F[U(A_E_FREE + e)] > 0:
        F[U(A_E_FREE + e)] -= 1.0
        _append(M, e, now, entry, v)
        return True
    return False


@njit(cache=True, _nrt=False, error_model="numpy")
def put_promised(M, e, now, entry, v):
    if M[U(A_E_CONV + e)]:
        _conv_load(M, e, now, entry, v)
    elif _hand_to_waiting(M, e, entry, v):
        _place_freed(M, e, now)
    else:
        _append(M, e, now, entry, v)


@njit(cache=True, _nrt=False, error_model="numpy")
def take(M, e, now, p):
    """The next part for server p from edge e into p's inbox; False if none."""
    F = M.view(np.float64)
    conv = M[U(A_E_CONV + e)]
    if M[U(A_E_N + e)] > 0:
        if conv:
            _conv_content(M, e, now, -1)
        else:
            _area(M, e, now)
        entry, v = _parts_pop(M, e)
        _place_freed(M, e, now)
        F[U(A_IN_E + p)] = entry
        M[U(A_IN_V + p)] = v
        M[U(A_IN_EDGE + p)] = e
        return True
    if conv:  # a conveyor hands over only parts that reached its end
        return False
    q = M[U(A_E_SWQ + e)]
    while M[U(A_Q_N + q)] > 0:
        wp, wtok = q_at(M, q, 0)
        if not triggered(M, wp, wtok):
            break
        q_pop(M, q)
    for j in range(M[U(A_Q_N + q)]):
        wp, wtok = q_at(M, q, j)
        if M[U(A_MOVABLE + wp)] and not triggered(M, wp, wtok):
            q_remove_at(M, q, j)
            M[U(A_IN_EDGE + wp)] = -1
            succeed(M, wp, wtok)
            F[U(A_IN_E + p)] = F[U(A_HELD_E + wp)]
            M[U(A_IN_V + p)] = M[U(A_HELD_V + wp)]
            M[U(A_IN_EDGE + p)] = e
            return True
    return False


# ---------------------------------------------------------------------------------------------
# Statistics: state clocks, the bottleneck detector's reports, WIP.

@njit(cache=True, _nrt=False, error_model="numpy")
def _activity(M, st, s, active):
    F = M.view(np.float64)
    if active:
        M[U(A_ST_INACTIVE + st)] -= 1
        if M[U(A_ST_INACTIVE + st)] == 0:
            report_open(_det(M, F), st, s)
    else:
        if M[U(A_ST_INACTIVE + st)] == 0:
            report_close(_det(M, F), st, s)
        M[U(A_ST_INACTIVE + st)] += 1


@njit(cache=True, _nrt=False, error_model="numpy")
def switch(M, p, now, state):
    F = M.view(np.float64)
    st = M[U(A_P_ST + p)]
    c = M[U(A_ST_CAL + st)]
    old = M[U(A_C_STATE + p)]
    s = sched(M, c, now)
    since_s = F[U(A_C_SINCE_S + p)]
    scheduled = s - since_s
    F[U(A_C_ACC + (p) * 6 + old)] += scheduled
    F[U(A_C_ACC + (p) * 6 + OFF_SHIFT)] += (now - F[U(A_C_SINCE_T + p)]) - scheduled
    F[U(A_C_SINCE_T + p)] = now
    F[U(A_C_SINCE_S + p)] = s
    if state != old:
        M[U(A_C_STATE + p)] = state
        M[U(A_C_STARTS + (p) * 6 + state)] += 1
        if ACTIVE[U(state)] != ACTIVE[U(old)]:
            ref = M[U(A_ST_REF_CAL + st)]
            _activity(M, st, s if ref < 0 else sched(M, ref, now), ACTIVE[U(state)])
    if M[U(A_ST_IN_KIND + st)] == IN_ASSEMBLY and M[U(A_C_NMISSING + p)] > 0:
        nin = M[U(A_ST_NIN + st)]
        if old == STARVED:
            for j in range(nin):
                if M[U(A_C_MISSING + (p) * MAX_IN + j)]:
                    F[U(A_C_MISSING_S + (p) * MAX_IN + j)] += F[U(A_C_SINCE_S + p)] - since_s
        if state == STARVED and old != STARVED:
            for j in range(nin):
                if M[U(A_C_MISSING + (p) * MAX_IN + j)]:
                    M[U(A_C_MISSING_STARTS + (p) * MAX_IN + j)] += 1


@njit(cache=True, _nrt=False, error_model="numpy")
def _set_missing(M, p, now):
    """KitClock.set_missing with the inputs flagged in p's row of ``tmp_mask``."""
    switch(M, p, now, M[U(A_C_STATE + p)])
    st = M[U(A_P_ST + p)]
    nin = M[U(A_ST_NIN + st)]
    if M[U(A_C_STATE + p)] == STARVED:
        for j in range(nin):
            if M[U(A_TMP_MASK + (p) * MAX_IN + j)] and not M[U(A_C_MISSING + (p) * MAX_IN + j)]:
                M[U(A_C_MISSING_STARTS + (p) * MAX_IN + j)] += 1
    cnt = 0
    for j in range(nin):
        M[U(A_C_MISSING + (p) * MAX_IN + j)] = M[U(A_TMP_MASK + (p) * MAX_IN + j)]
        cnt += M[U(A_TMP_MASK + (p) * MAX_IN + j)]
    M[U(A_C_NMISSING + p)] = cnt


@njit(cache=True, _nrt=False, error_model="numpy")
def _wip_change(M, now, delta):
    F = M.view(np.float64)
    F[F_WIP_AREA] += M[I_WIP] * (now - F[F_WIP_T])
    F[F_WIP_T] = now
    M[I_WIP] += delta


@njit(cache=True, _nrt=False, error_model="numpy")
def _depart(M, now, entry, v, good):
    F = M.view(np.float64)
    if M[I_NV] > 0 and good:
        M[U(M[O_EXITED_BY] + v)] += 1
    _wip_change(M, now, -1)
    F[F_SOJ] += now - entry
    if good:
        M[I_EXITED] += 1
        F[F_LEAD] += now - entry
    else:
        M[I_SCRAPPED] += 1


@njit(cache=True, _nrt=False, error_model="numpy")
def _new_variant(M, st):
    """The variant of a source's next new part: the plan's next draw, or the sequence."""
    F = M.view(np.float64)
    if M[I_NV] == 0:
        return 0
    if M[I_PLAN_KIND] == 0:  # mix
        x = draw(M, M[U(A_ST_PLAN + st)])
        nv = M[I_NV]
        for j in range(nv):
            if x < F[U(M[O_MIX_CUM] + j)]:
                return j
        return nv - 1
    pos = M[U(A_ST_SEQPOS + st)]
    M[U(A_ST_SEQPOS + st)] = pos + 1
    return M[U(M[O_SEQ_PATTERN] + pos % M[I_NSEQ])]


# ---------------------------------------------------------------------------------------------
# Processes.

@njit(cache=True, _nrt=False, error_model="numpy")
def _wait_part(M, p, now, q):
    """wait_part on one queue (single input, merge's shared queue)."""
    switch(M, p, now, STARVED)
    tok = new_wait(M, p)
    q_push(M, q, p, tok)


@njit(cache=True, _nrt=False, error_model="numpy")
def _wf_loop(M, p):
    """model's ``wait_with_failures`` loop head: (re)arm the failure clock's event if it has
    none, then wait on the condition part (or place) | failure."""
    F = M.view(np.float64)
    if M[U(A_FC_STATE + p)] == FC_NONE:
        c = M[U(A_ST_CAL + M[U(A_P_ST + p)])]
        now = F[F_NOW]
        tok = M[U(A_FC_TOK + p)] + 1
        M[U(A_FC_TOK + p)] = tok
        M[U(A_FC_STATE + p)] = FC_PENDING
        _schedule(M, p, max(0.0, time_at(M, c, F[U(A_FC_DUE + p)]) - now), tok * 4 + E_FC)
    tok = M[U(A_COND_TOK + p)] + 1
    M[U(A_COND_TOK + p)] = tok
    if M[U(A_FC_STATE + p)] == FC_DONE:  # a failure clock already processed: met at once
        M[U(A_COND_PENDING + p)] = 0
        _fifo_push(M, p, tok * 4 + E_COND)
    else:
        M[U(A_COND_PENDING + p)] = 1
    M[U(A_P_PC + p)] = PC_WF_COND


@njit(cache=True, _nrt=False, error_model="numpy")
def _wait(M, p, resume_pc, waiting_state):
    """The process waits for its part/place event (registered by the caller): directly, or
    (scheduled-basis failures) with the failure clock running."""
    if M[U(A_P_COND + p)]:
        M[U(A_P_RET + p)] = resume_pc
        M[U(A_P_WSTATE + p)] = waiting_state
        _wf_loop(M, p)
    else:
        M[U(A_P_PC + p)] = resume_pc


@njit(cache=True, _nrt=False, error_model="numpy")
def _repair(M, p, now):
    """Down for one repair draw from now (the caller switched the state to DOWN)."""
    st = M[U(A_P_ST + p)]
    M[U(A_ST_FAILURES + st)] += 1
    r = draw(M, M[U(A_P_S_REPAIR + p)])
    if M[U(A_ST_REPAIR_PLAIN + st)]:
        end = now + r
    else:
        end = advance(M, M[U(A_ST_CAL + st)], now, r)
    timeout(M, p, end - now)


@njit(cache=True, _nrt=False, error_model="numpy")
def _reoffer(M, p, now):
    """A blocked server repaired: offer its part again to the edges it waits on."""
    st = M[U(A_P_ST + p)]
    dest = M[U(A_BL_DEST + p)]
    e0 = M[U(A_HELD_V + p)]
    entry = M.view(np.float64)[A_HELD_E + p]
    if dest >= 0:
        return offer(M, dest, now, entry, e0)
    if M[U(A_ST_ROUTE + st)] == R_BY_VARIANT:
        k = st * M[I_NVQ] + e0
        a0 = M[U(M[O_ALLOWED_OFF] + k)]
        for m in range(M[U(M[O_ALLOWED_N] + k)]):
            if offer(M, M[U(M[O_ALLOWED] + a0 + m)], now, entry, e0):
                return True
        return False
    o0 = M[U(A_ST_OUT0 + st)]
    for m in range(M[U(A_ST_NOUT + st)]):
        if offer(M, M[U(A_OUT_EDGES + o0 + m)], now, entry, e0):
            return True
    return False


@njit(cache=True, _nrt=False, error_model="numpy")
def _take_merge(M, st, now, p):
    """A part from a rework lane first, then the inputs in turn (parts before pulls)."""
    l0 = M[U(A_ST_LANE0 + st)]
    for m in range(M[U(A_ST_NLANES + st)]):
        lane = M[U(A_LANES + l0 + m)]
        if M[U(A_E_N + lane)] > 0:
            take(M, lane, now, p)
            return True
    i0 = M[U(A_ST_IN0 + st)]
    n = M[U(A_ST_NIN + st)]
    for pulling in range(2):
        for j in range(n):
            k = M[U(A_ST_TURN + st)] + j
            if k >= n:
                k -= n
            e = M[U(A_IN_EDGES + i0 + k)]
            cond = M[U(A_Q_N + M[U(A_E_SWQ + e)])] > 0 if pulling else M[U(A_E_N + e)] > 0
            if cond:
                if take(M, e, now, p):
                    k += 1
                    M[U(A_ST_TURN + st)] = 0 if k >= n else k
                    return True
    return False


@njit(cache=True, _nrt=False, error_model="numpy")
def _kit_part(M, p, st, j, entry_var):
    """A part joining the kit from input j: counted out of sequence if it should match."""
    F = M.view(np.float64)
    if M[I_NV] > 0 and M[U(A_IN_V + p)] != entry_var and M[U(A_IN_SEQ + M[U(A_ST_IN0 + st)] + j)]:
        M[U(A_OOS + M[U(A_ST_IN0 + st)] + j)] += 1
    return F[U(A_IN_E + p)]


# Each phase of a server's loop is a function of its own that returns the next phase (PH_STOP:
# the process now waits). Why not one function: numba gives every call site a return slot and
# an exception slot, zeroed on each entry to the calling function, so a single loop body with
# all the phases paid for some eighty call sites per resume; split, a resume pays only for the
# phases it runs (LLVM inlines the small ones back).

@njit(cache=True, _nrt=False, error_model="numpy")
def _got_part(M, p):
    """The part in p's inbox becomes the part in process."""
    F = M.view(np.float64)
    F[U(A_PART_E + p)] = F[U(A_IN_E + p)]
    M[U(A_PART_V + p)] = M[U(A_IN_V + p)]


@njit(cache=True, _nrt=False, error_model="numpy")
def _resume_wf(M, p, pc):
    """Resumed in a scheduled-basis wait (model's wait_with_failures): the resume point of the
    wait if its part (or place) came, else PH_STOP (down, or waiting again)."""
    F = M.view(np.float64)
    now = F[F_NOW]
    if pc == PC_WF_COND:
        if M[U(A_FIRED + p)]:  # the part (or place) came first: the wait returns its value
            return M[U(A_P_RET + p)]
        # the failure clock: down while waiting
        M[U(A_FC_STATE + p)] = FC_NONE
        switch(M, p, now, DOWN)
        if M[U(A_P_WSTATE + p)] == BLOCKED:
            M[U(A_MOVABLE + p)] = 0
        _repair(M, p, now)
        M[U(A_P_PC + p)] = PC_WF_REPAIRED
        return PH_STOP
    # PC_WF_REPAIRED
    c = M[U(A_ST_CAL + M[U(A_P_ST + p)])]
    F[U(A_FC_DUE + p)] = sched(M, c, now) + draw(M, M[U(A_P_S_FAIL + p)])
    if M[U(A_FIRED + p)]:
        return M[U(A_P_RET + p)]
    wstate = M[U(A_P_WSTATE + p)]
    if wstate == BLOCKED:
        M[U(A_MOVABLE + p)] = 1
        if _reoffer(M, p, now):
            M[U(A_FIRED + p)] = 1  # ev.succeed(None): nobody waits on it any more
            M[U(A_IN_EDGE + p)] = -1
            return M[U(A_P_RET + p)]
    switch(M, p, now, wstate)
    _wf_loop(M, p)
    return PH_STOP


@njit(cache=True, _nrt=False, error_model="numpy")
def _resume_sch(M, p, pc):
    """Resumed in scheduled-basis processing: at the failure, or repaired."""
    F = M.view(np.float64)
    if pc == PC_SCH_TO_FAIL:
        F[U(A_P_WORK + p)] -= F[U(A_P_DONE + p)]
        return PH_SCH_DOWN
    now = F[F_NOW]  # PC_SCH_REPAIRED
    switch(M, p, now, WORKING)
    s0 = sched(M, M[U(A_ST_CAL + M[U(A_P_ST + p)])], now)
    F[U(A_P_S0 + p)] = s0
    F[U(A_FC_DUE + p)] = s0 + draw(M, M[U(A_P_S_FAIL + p)])
    return PH_SCH_LOOP


@njit(cache=True, _nrt=False, error_model="numpy")
def _resume_init(M, p):
    F = M.view(np.float64)
    st = M[U(A_P_ST + p)]
    if M[U(A_ST_FAIL + st)] == F_OPERATING:
        F[U(A_P_LEFT + p)] = draw(M, M[U(A_P_S_FAIL + p)])
    elif M[U(A_ST_FAIL + st)] == F_SCHEDULED:
        F[U(A_FC_DUE + p)] = sched(M, M[U(A_ST_CAL + st)], F[F_NOW]) + draw(M, M[U(A_P_S_FAIL + p)])
        M[U(A_FC_STATE + p)] = FC_NONE
    return PH_TAKE


@njit(cache=True, _nrt=False, error_model="numpy")
def _resume_kit_wait(M, p):
    """A part for the kit came from one of the inputs p waits on."""
    F = M.view(np.float64)
    st = M[U(A_P_ST + p)]
    i0 = M[U(A_ST_IN0 + st)]
    e = M[U(A_IN_EDGE + p)]
    j = 0
    while M[U(A_IN_EDGES + i0 + j)] != e:
        j += 1
    M[U(A_NEED + (p) * MAX_IN + j)] -= 1
    M[U(A_KIT_TAKEN + p)] += 1
    x = _kit_part(M, p, st, j, M[U(A_PART_V + p)])
    if x < F[U(A_PART_E + p)]:
        F[U(A_PART_E + p)] = x
    return PH_KIT_COLLECT


@njit(cache=True, _nrt=False, error_model="numpy")
def _resume_op_repaired(M, p):
    F = M.view(np.float64)
    switch(M, p, F[F_NOW], WORKING)
    F[U(A_P_LEFT + p)] = draw(M, M[U(A_P_S_FAIL + p)])
    return PH_OP_LOOP


@njit(cache=True, _nrt=False, error_model="numpy")
def _resume_unblocked(M, p):
    F = M.view(np.float64)
    e = M[U(A_IN_EDGE + p)]
    if e >= 0:
        put_promised(M, e, F[F_NOW], F[U(A_HELD_E + p)], M[U(A_HELD_V + p)])
    return PH_TAKE


@njit(cache=True, _nrt=False, error_model="numpy")
def _ph_take(M, p):
    F = M.view(np.float64)
    now = F[F_NOW]
    st = M[U(A_P_ST + p)]
    kind = M[U(A_ST_IN_KIND + st)]
    if kind == IN_SINGLE:
        e = M[U(A_IN_EDGES + M[U(A_ST_IN0 + st)])]
        if take(M, e, now, p):
            _got_part(M, p)
            return PH_START
        _wait_part(M, p, now, M[U(A_E_PWQ + e)])
        _wait(M, p, PC_GOT_SINGLE, STARVED)
        return PH_STOP
    if kind == IN_UNLIMITED:
        c = M[U(A_ST_CAL + st)]
        if not M[U(A_CAL_CONT + c)]:
            start = resume_at(M, c, now)
            if start > now:
                timeout(M, p, start - now)
                M[U(A_P_PC + p)] = PC_SRC_RESUMED
                return PH_STOP
        return PH_SRC
    if kind == IN_MERGE:
        if _take_merge(M, st, now, p):
            _got_part(M, p)
            return PH_START
        _wait_part(M, p, now, M[U(A_ST_SHARED_Q + st)])
        _wait(M, p, PC_GOT_MERGE, STARVED)
        return PH_STOP
    # assembly
    lanes_parts = False
    l0 = M[U(A_ST_LANE0 + st)]
    for m in range(M[U(A_ST_NLANES + st)]):
        if M[U(A_E_N + M[U(A_LANES + l0 + m)])] > 0:
            lanes_parts = True
    if lanes_parts:
        _take_merge(M, st, now, p)
        _got_part(M, p)
        return PH_START
    return PH_KIT_BEGIN


@njit(cache=True, _nrt=False, error_model="numpy")
def _ph_src(M, p):
    F = M.view(np.float64)
    st = M[U(A_P_ST + p)]
    got = False
    if M[U(A_ST_NLANES + st)] > 0:
        got = _take_merge(M, st, F[F_NOW], p)
    if got:
        _got_part(M, p)
    else:
        now = F[F_NOW]
        F[U(A_PART_E + p)] = now
        M[U(A_PART_V + p)] = _new_variant(M, st)
        M[I_ENTERED] += 1
        _wip_change(M, now, 1)
    return PH_START


@njit(cache=True, _nrt=False, error_model="numpy")
def _ph_kit(M, p, ph):
    """An assembly station's kit: PH_KIT_BEGIN, PH_KIT_FIRST, PH_KIT_COLLECT, PH_KIT_DONE."""
    F = M.view(np.float64)
    st = M[U(A_P_ST + p)]
    i0 = M[U(A_ST_IN0 + st)]
    nin = M[U(A_ST_NIN + st)]
    while True:
        now = F[F_NOW]
        if ph == PH_KIT_BEGIN:
            if M[I_NV] > 0:
                e = M[U(A_IN_EDGES + i0)]
                if take(M, e, now, p):
                    ph = PH_KIT_FIRST
                else:
                    for j in range(nin):
                        M[U(A_TMP_MASK + (p) * MAX_IN + j)] = 0
                    M[U(A_TMP_MASK + (p) * MAX_IN + 0)] = 1
                    _set_missing(M, p, now)
                    switch(M, p, now, STARVED)
                    tok = new_wait(M, p)
                    q_push(M, M[U(A_E_PWQ + e)], p, tok)
                    _wait(M, p, PC_KIT_FIRST, STARVED)
                    return PH_STOP
            else:
                F[U(A_PART_E + p)] = math.inf
                M[U(A_PART_V + p)] = 0
                for j in range(nin):
                    M[U(A_NEED + (p) * MAX_IN + j)] = M[U(A_IN_Q + i0 + j)]
                M[U(A_KIT_TAKEN + p)] = 0
                ph = PH_KIT_COLLECT
        elif ph == PH_KIT_FIRST:
            v = M[U(A_IN_V + p)]
            F[U(A_PART_E + p)] = F[U(A_IN_E + p)]
            M[U(A_PART_V + p)] = v
            M[U(A_NEED + (p) * MAX_IN + 0)] = M[U(A_ST_FIRST_Q + st)] - 1
            for j in range(1, nin):
                M[U(A_NEED + (p) * MAX_IN + j)] = M[U(M[O_IN_QV] + (i0 + j) * M[I_NVQ] + v)]
            M[U(A_KIT_TAKEN + p)] = 1
            ph = PH_KIT_COLLECT
        elif ph == PH_KIT_COLLECT:
            for j in range(nin):
                e = M[U(A_IN_EDGES + i0 + j)]
                while M[U(A_NEED + (p) * MAX_IN + j)] > 0:
                    if not take(M, e, now, p):
                        break
                    M[U(A_NEED + (p) * MAX_IN + j)] -= 1
                    M[U(A_KIT_TAKEN + p)] += 1
                    x = _kit_part(M, p, st, j, M[U(A_PART_V + p)])
                    if x < F[U(A_PART_E + p)]:
                        F[U(A_PART_E + p)] = x
            any_wait = False
            for j in range(nin):
                M[U(A_TMP_MASK + (p) * MAX_IN + j)] = 1 if M[U(A_NEED + (p) * MAX_IN + j)] > 0 else 0
                if M[U(A_NEED + (p) * MAX_IN + j)] > 0:
                    any_wait = True
            if not any_wait:
                ph = PH_KIT_DONE
            else:
                _set_missing(M, p, now)
                switch(M, p, now, STARVED)
                tok = new_wait(M, p)
                for j in range(nin):
                    if M[U(A_TMP_MASK + (p) * MAX_IN + j)]:
                        q_push(M, M[U(A_E_PWQ + M[U(A_IN_EDGES + i0 + j)])], p, tok)
                _wait(M, p, PC_KIT_WAIT, STARVED)
                return PH_STOP
        else:  # PH_KIT_DONE
            if M[U(A_C_NMISSING + p)] > 0:
                for j in range(nin):
                    M[U(A_TMP_MASK + (p) * MAX_IN + j)] = 0
                _set_missing(M, p, now)
            taken = M[U(A_KIT_TAKEN + p)]
            M[I_CONSUMED] += taken
            M[I_ASSEMBLED] += 1
            _wip_change(M, now, 1 - taken)
            return PH_START


@njit(cache=True, _nrt=False, error_model="numpy")
def _ph_setup(M, p):
    """A setup before a part of another variant (products with setups)."""
    F = M.view(np.float64)
    v = M[U(A_PART_V + p)]
    if M[U(A_ST_SETUP + M[U(A_P_ST + p)])] >= 0 and M[U(A_LAST_V + p)] >= 0 and v != M[U(A_LAST_V + p)]:
        now = F[F_NOW]
        c = M[U(A_ST_CAL + M[U(A_P_ST + p)])]
        switch(M, p, now, SETUP)
        timeout(M, p, advance(M, c, now, draw(M, M[U(A_P_S_SETUP + p)])) - now)
        M[U(A_P_PC + p)] = PC_SETUP_DONE
        return PH_STOP
    M[U(A_LAST_V + p)] = v
    return PH_WORK


@njit(cache=True, _nrt=False, error_model="numpy")
def _ph_work(M, p):
    F = M.view(np.float64)
    now = F[F_NOW]
    st = M[U(A_P_ST + p)]
    if M[U(A_C_STATE + p)] != WORKING:
        switch(M, p, now, WORKING)
    F[U(A_P_WORK + p)] = draw(M, M[U(M[O_P_S_PROC] + p * M[I_NVP] + M[U(A_PART_V + p)])])
    fail = M[U(A_ST_FAIL + st)]
    if fail == F_OPERATING:
        return PH_OP_LOOP
    if fail == F_SCHEDULED:
        F[U(A_P_S0 + p)] = sched(M, M[U(A_ST_CAL + st)], now)
        return PH_SCH_LOOP
    return PH_PROCESS


@njit(cache=True, _nrt=False, error_model="numpy")
def _ph_op_loop(M, p):
    """Operating-basis failures: fail where the operating time left runs out in the work."""
    F = M.view(np.float64)
    if F[U(A_P_WORK + p)] > F[U(A_P_LEFT + p)]:
        if F[U(A_P_LEFT + p)] > 0:
            now = F[F_NOW]
            c = M[U(A_ST_CAL + M[U(A_P_ST + p)])]
            timeout(M, p, advance(M, c, now, F[U(A_P_LEFT + p)]) - now)
            M[U(A_P_PC + p)] = PC_OP_TO_FAIL
            return PH_STOP
        return PH_OP_DOWN
    F[U(A_P_LEFT + p)] -= F[U(A_P_WORK + p)]
    return PH_PROCESS


@njit(cache=True, _nrt=False, error_model="numpy")
def _ph_sch_loop(M, p):
    """Scheduled basis: fail where the clock falls due in the work."""
    F = M.view(np.float64)
    s0 = F[U(A_P_S0 + p)]
    due = F[U(A_FC_DUE + p)]
    if due < s0 + F[U(A_P_WORK + p)]:
        done = due - s0
        if done > 0:
            now = F[F_NOW]
            c = M[U(A_ST_CAL + M[U(A_P_ST + p)])]
            F[U(A_P_DONE + p)] = done
            timeout(M, p, advance(M, c, now, done) - now)
            M[U(A_P_PC + p)] = PC_SCH_TO_FAIL
            return PH_STOP
        return PH_SCH_DOWN
    return PH_PROCESS


@njit(cache=True, _nrt=False, error_model="numpy")
def _ph_down(M, p, ph):
    """PH_OP_DOWN, PH_SCH_DOWN: down for a repair."""
    now = M.view(np.float64)[F_NOW]
    if ph == PH_SCH_DOWN:
        M[U(A_FC_STATE + p)] = FC_NONE
        M[U(A_FC_TOK + p)] += 1  # a pending failure-clock event is no one's any more
    switch(M, p, now, DOWN)
    _repair(M, p, now)
    M[U(A_P_PC + p)] = PC_SCH_REPAIRED if ph == PH_SCH_DOWN else PC_OP_REPAIRED
    return PH_STOP


@njit(cache=True, _nrt=False, error_model="numpy")
def _ph_process(M, p):
    F = M.view(np.float64)
    now = F[F_NOW]
    w = F[U(A_P_WORK + p)]
    c = M[U(A_ST_CAL + M[U(A_P_ST + p)])]
    if M[U(A_CAL_CONT + c)]:
        timeout(M, p, w)
    else:
        timeout(M, p, advance(M, c, now, w) - now)
    M[U(A_P_PC + p)] = PC_DONE
    return PH_STOP


@njit(cache=True, _nrt=False, error_model="numpy")
def _route(M, p, st, v, rk):
    """The edge a part of variant v goes to (routing kinds other than R_ONE), -1: none free."""
    F = M.view(np.float64)
    o0 = M[U(A_ST_OUT0 + st)]
    no = M[U(A_ST_NOUT + st)]
    if rk == R_BY_VARIANT:
        a0 = M[U(M[O_ALLOWED_OFF] + st * M[I_NVQ] + v)]
        na = M[U(M[O_ALLOWED_N] + st * M[I_NVQ] + v)]
        if na == 1:
            return M[U(M[O_ALLOWED] + a0)]
        for m in range(na):
            e = M[U(M[O_ALLOWED] + a0 + m)]
            if M[U(A_Q_N + M[U(A_E_PWQ + e)])] > 0 or F[U(A_E_FREE + e)] > 0:
                return e
        return -1
    if rk == R_FRACTIONS:
        u = draw(M, M[U(A_P_S_ROUTE + p)])
        for m in range(no):
            if u < F[U(A_OUT_CUM + o0 + m)]:
                return M[U(A_OUT_EDGES + o0 + m)]
        return M[U(A_OUT_EDGES + o0 + no - 1)]
    for m in range(no):  # first_free
        e = M[U(A_OUT_EDGES + o0 + m)]
        if M[U(A_Q_N + M[U(A_E_PWQ + e)])] > 0 or F[U(A_E_FREE + e)] > 0:
            return e
    return -1


@njit(cache=True, _nrt=False, error_model="numpy")
def _block(M, p, st, entry, v, rk, dest):
    """Blocked: hold the part and wait for a place on dest (or on every allowed edge)."""
    F = M.view(np.float64)
    switch(M, p, F[F_NOW], BLOCKED)
    tok = new_wait(M, p)
    F[U(A_HELD_E + p)] = entry
    M[U(A_HELD_V + p)] = v
    M[U(A_MOVABLE + p)] = 1
    if dest >= 0:
        q_push(M, M[U(A_E_SWQ + dest)], p, tok)
    elif rk == R_BY_VARIANT:
        a0 = M[U(M[O_ALLOWED_OFF] + st * M[I_NVQ] + v)]
        for m in range(M[U(M[O_ALLOWED_N] + st * M[I_NVQ] + v)]):
            q_push(M, M[U(A_E_SWQ + M[U(M[O_ALLOWED] + a0 + m)])], p, tok)
    else:
        o0 = M[U(A_ST_OUT0 + st)]
        for m in range(M[U(A_ST_NOUT + st)]):
            q_push(M, M[U(A_E_SWQ + M[U(A_OUT_EDGES + o0 + m)])], p, tok)
    M[U(A_BL_DEST + p)] = dest
    _wait(M, p, PC_UNBLOCKED, BLOCKED)
    return PH_STOP


@njit(cache=True, _nrt=False, error_model="numpy")
def _ph_dispose(M, p):
    """The finished part: scrapped, sent to rework, out of the line, or on to the next edge."""
    F = M.view(np.float64)
    now = F[F_NOW]
    st = M[U(A_P_ST + p)]
    entry = F[U(A_PART_E + p)]
    v = M[U(A_PART_V + p)]
    if F[U(A_ST_SCRAP + st)] > 0 and draw(M, M[U(A_P_S_SCRAP + p)]) < F[U(A_ST_SCRAP + st)]:
        _depart(M, now, entry, v, False)
        return PH_TAKE
    if F[U(A_ST_REWORK + st)] > 0 and draw(M, M[U(A_P_S_REWORK + p)]) < F[U(A_ST_REWORK + st)]:
        offer(M, M[U(A_ST_REWORK_LANE + st)], now, entry, v)
        return PH_TAKE
    rk = M[U(A_ST_ROUTE + st)]
    if rk == R_SINK:
        _depart(M, now, entry, v, True)
        return PH_TAKE
    if rk == R_ONE:
        dest = M[U(A_OUT_EDGES + M[U(A_ST_OUT0 + st)])]
    else:
        dest = _route(M, p, st, v, rk)
    if dest >= 0 and offer(M, dest, now, entry, v):
        return PH_TAKE
    return _block(M, p, st, entry, v, rk, dest)


@njit(cache=True, _nrt=False, error_model="numpy")
def resume_server(M, p):
    """Server p resumes at its resume point (pc) and runs its loop to its next wait."""
    pc = M[U(A_P_PC + p)]
    if pc == PC_WF_COND or pc == PC_WF_REPAIRED:
        pc = _resume_wf(M, p, pc)
        if pc == PH_STOP:
            return
    ph = PH_TAKE
    if pc == PC_SCH_TO_FAIL or pc == PC_SCH_REPAIRED:
        ph = _resume_sch(M, p, pc)
    elif pc == PC_INIT:
        ph = _resume_init(M, p)
    elif pc == PC_GOT_SINGLE or pc == PC_GOT_MERGE:
        _got_part(M, p)
        ph = PH_START
    elif pc == PC_SRC_RESUMED:
        ph = PH_SRC
    elif pc == PC_KIT_FIRST:
        ph = PH_KIT_FIRST
    elif pc == PC_KIT_WAIT:
        ph = _resume_kit_wait(M, p)
    elif pc == PC_SETUP_DONE:
        M[U(A_LAST_V + p)] = M[U(A_PART_V + p)]
        ph = PH_WORK
    elif pc == PC_OP_TO_FAIL:
        F = M.view(np.float64)
        F[U(A_P_WORK + p)] -= F[U(A_P_LEFT + p)]
        ph = PH_OP_DOWN
    elif pc == PC_OP_REPAIRED:
        ph = _resume_op_repaired(M, p)
    elif pc == PC_DONE:
        ph = PH_DISPOSE
    elif pc == PC_UNBLOCKED:
        ph = _resume_unblocked(M, p)
    while ph != PH_STOP:
        if ph == PH_TAKE:
            ph = _ph_take(M, p)
        elif ph == PH_START:
            ph = _ph_setup(M, p) if M[I_NV] > 0 else PH_WORK
        elif ph == PH_WORK:
            ph = _ph_work(M, p)
        elif ph == PH_PROCESS:
            ph = _ph_process(M, p)
        elif ph == PH_DISPOSE:
            ph = _ph_dispose(M, p)
        elif ph == PH_OP_LOOP:
            ph = _ph_op_loop(M, p)
        elif ph == PH_SCH_LOOP:
            ph = _ph_sch_loop(M, p)
        elif ph == PH_OP_DOWN or ph == PH_SCH_DOWN:
            ph = _ph_down(M, p, ph)
        elif ph == PH_SRC:
            ph = _ph_src(M, p)
        else:  # the kit phases
            ph = _ph_kit(M, p, ph)


@njit(cache=True, _nrt=False, error_model="numpy")
def resume_arrival(M, p):
    F = M.view(np.float64)
    st = M[U(A_P_ST + p)]
    c = M[U(A_ST_CAL + st)]
    pc = M[U(A_P_PC + p)]
    if pc == PC_ARR_NEXT:
        now = F[F_NOW]
        entry = now
        v = _new_variant(M, st)
        q = M[U(A_IN_EDGES + M[U(A_ST_IN0 + st)])]
        M[U(M[O_ST_OFFERED] + st)] += 1
        if offer(M, q, now, entry, v):
            M[I_ENTERED] += 1
            _wip_change(M, now, 1)
        elif M[U(A_ST_LOSE + st)]:
            M[I_LOST] += 1
            M[U(M[O_ST_LOST] + st)] += 1
        else:
            M[I_ENTERED] += 1
            _wip_change(M, now, 1)
            tok = new_wait(M, p)
            F[U(A_HELD_E + p)] = entry
            M[U(A_HELD_V + p)] = v
            M[U(A_MOVABLE + p)] = 1
            q_push(M, M[U(A_E_SWQ + q)], p, tok)
            M[U(A_P_PC + p)] = PC_ARR_UNBLOCKED
            return
    now = F[F_NOW]
    timeout(M, p, advance(M, c, now, draw(M, M[U(A_P_S_ARRIVAL + p)])) - now)
    M[U(A_P_PC + p)] = PC_ARR_NEXT


@njit(cache=True, _nrt=False, error_model="numpy")
def _moving_pop(M, e):
    """The part at the head of conveyor e's moving section leaves it (it reached the end)."""
    h = M[U(A_E_MV_HEAD + e)] + 1
    M[U(A_E_MV_HEAD + e)] = 0 if h == M[U(A_E_RING + e)] else h
    M[U(A_E_MV_N + e)] -= 1


@njit(cache=True, _nrt=False, error_model="numpy")
def resume_conveyor(M, p):
    """model.Conveyor.run: move parts from the moving section to the end, one at a time."""
    F = M.view(np.float64)
    e = M[U(A_P_ST + p)]
    arrived = M[U(A_P_PC + p)] == PC_CONV_ARRIVED
    while True:
        now = F[F_NOW]
        if arrived:
            i = M[U(A_E_MV_OFF + e)] + M[U(A_E_MV_HEAD + e)]
            entry = F[U(M[O_MV_E] + i)]
            v = M[U(M[O_MV_V] + i)]
            if _hand_to_waiting(M, e, entry, v):
                # integrate while the part is still counted: it was on the conveyor until now
                _conv_content(M, e, now, -1)
                _moving_pop(M, e)
                _place_freed(M, e, now)
            else:
                _moving_pop(M, e)
                _parts_push(M, e, entry, v)  # accumulates at the end (content unchanged)
        if M[U(A_E_MV_N + e)] == 0:
            new_wait(M, p)
            M[U(A_P_PC + p)] = PC_CONV_WAKE
            return
        arrive = F[U(M[O_MV_T] + M[U(A_E_MV_OFF + e)] + M[U(A_E_MV_HEAD + e)])]
        arrived = True
        if arrive > now:
            timeout(M, p, arrive - now)
            M[U(A_P_PC + p)] = PC_CONV_ARRIVED
            return


@njit(cache=True, _nrt=False, error_model="numpy")
def _dispatch(M, p):
    kind = M[U(A_P_KIND + p)]
    if kind == K_SERVER:
        resume_server(M, p)
    elif kind == K_ARRIVAL:
        resume_arrival(M, p)
    else:
        resume_conveyor(M, p)


@njit(cache=True, _nrt=False, error_model="numpy")
def start(M):
    """Every process starts (runs to its first wait) in the order the SimPy model creates
    them, before anything they schedule: a zero-delay start event for each, in order, is the
    first thing ``run_until`` processes (compiled without the processes' code)."""
    for p in range(M[I_NP]):
        _fifo_push(M, p, M[U(A_TM_TOK + p)] * 4 + E_TIMEOUT)


@njit(cache=True, _nrt=False, error_model="numpy")
def run_until(M, until):
    """Process events with time < ``until`` (SimPy's ``env.run(until=...)``); stop early, at an
    event boundary, when a stream needs a block."""
    F = M.view(np.float64)
    while True:
        if M[I_ERR] != 0:
            return OVERFLOW
        if M[I_FLAG] != 0:
            return REFILL
        now = F[F_NOW]
        hn = M[I_HN]
        if hn > 0 and F[U(A_H_T + 0)] == now:
            p, tok = _heap_pop(M)
        elif M[I_FT] > M[I_FH]:
            h = M[I_FH]
            cap = FIFO_CAP
            p = M[U(A_F_P + (h & (cap - 1)))]
            tok = M[U(A_F_TOK + (h & (cap - 1)))]
            M[I_FH] = h + 1
        elif hn > 0 and F[U(A_H_T + 0)] < until:
            F[F_NOW] = F[U(A_H_T + 0)]
            continue
        else:
            F[F_NOW] = until
            return DONE
        kind = tok & 3
        tok >>= 2
        if kind == E_TIMEOUT:
            if tok == M[U(A_TM_TOK + p)]:
                _dispatch(M, p)
        elif kind == E_EV:
            if tok == M[U(A_WAIT_TOK + p)]:
                if not M[U(A_P_COND + p)]:
                    _dispatch(M, p)
                elif M[U(A_COND_PENDING + p)]:  # the condition (part | failure) is met
                    M[U(A_COND_PENDING + p)] = 0
                    _fifo_push(M, p, M[U(A_COND_TOK + p)] * 4 + E_COND)
        elif kind == E_FC:
            if tok == M[U(A_FC_TOK + p)]:
                M[U(A_FC_STATE + p)] = FC_DONE
                if M[U(A_COND_PENDING + p)]:
                    M[U(A_COND_PENDING + p)] = 0
                    _fifo_push(M, p, M[U(A_COND_TOK + p)] * 4 + E_COND)
        elif tok == M[U(A_COND_TOK + p)]:  # E_COND
            _dispatch(M, p)


@njit(cache=True, _nrt=False, error_model="numpy")
def flush(M, now):
    """Bring every time integral up to ``now`` (model.Line.flush)."""
    for p in range(M[I_NP]):
        if M[U(A_P_KIND + p)] == K_SERVER:
            switch(M, p, now, M[U(A_C_STATE + p)])
    for e in range(M[I_NE]):
        if M[U(A_E_CONV + e)]:
            _conv_content(M, e, now, 0)
        else:
            _area(M, e, now)
    _wip_change(M, now, 0)
