"""The Computation-Thru-Dynamics Benchmark study: N-bit flip-flop, MultiTask, RandomTarget.

GRU / LSTM / vanilla RNN / NODE models on CtDB's three tasks. Modules: `study` (datasets,
models, training and evaluation of every task kind: `STUDY`), `tasks` (the MultiTask and
RandomTarget kinds), `checks` (the config checks and what the evaluation provides, without
torch), `claims` (the paper's claims), `analysis` (fixed points at the bit cube's corners),
`jobs` (the fixed-point, MultiTask and reaching tables and figures) and `plotting`.
"""
