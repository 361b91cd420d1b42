/* Element-wise passes of the seed-batched tanh RNN (StackedTanhRNN in taskdyn/seed_batch.py):
   one call per time step, forward and backward, around the batched matmul that stays in
   PyTorch (MKL). In PyTorch each pass is two or three ops, each a sweep over all seeds' rows
   with its own dispatch; here it is one sweep.

   Forward: the matmul leaves p = [2a | y] per row (a: the pre-activation, y: the previous
   state's readout). This writes the next state tanh(a) = 2 sigmoid(2a) - 1 and copies y out.
   Backward: dL/da = dL/dh * (1 - h^2), as torch's tanh_backward.

   Operands are [seed, trial, unit] views with contiguous rows, each given as a pointer and its
   seed and trial strides in elements. Rows are split over OpenMP threads (the runtime PyTorch
   has loaded; `n_threads` is its thread count). Built at first use by native.py, called
   through ctypes. */

#include <math.h>
#include <stddef.h>

#define DEFINE_TANH_RNN_STEPS(T, S, EXP)                                                        \
  static void activate_row_##S(long hidden, long n_out, const T *restrict p,                   \
                               T *restrict state, T *restrict out) {                           \
    for (long j = 0; j < hidden; ++j) state[j] = (T)2 / ((T)1 + EXP(-p[j])) - (T)1;            \
    if (out)                                                                                    \
      for (long o = 0; o < n_out; ++o) out[o] = p[hidden + o];                                 \
  }                                                                                             \
                                                                                                \
  void tanh_rnn_forward_##S(long n_threads, long n_seeds, long batch, long hidden, long n_out,  \
                            const T *p, long p_ss, long p_ts, T *state, long state_ss,          \
                            long state_ts, T *out, long out_ss, long out_ts) {                  \
    _Pragma("omp parallel for schedule(static) num_threads(n_threads)")                        \
    for (long r = 0; r < n_seeds * batch; ++r) {                                                \
      const long s = r / batch, b = r % batch;                                                  \
      activate_row_##S(hidden, n_out, p + s * p_ss + b * p_ts,                                  \
                       state + s * state_ss + b * state_ts,                                     \
                       out ? out + s * out_ss + b * out_ts : NULL);                             \
    }                                                                                           \
  }                                                                                             \
                                                                                                \
  static void derivative_row_##S(long hidden, const T *restrict dh, const T *restrict h,       \
                                 T *restrict da) {                                              \
    for (long j = 0; j < hidden; ++j) da[j] = dh[j] * ((T)1 - h[j] * h[j]);                    \
  }                                                                                             \
                                                                                                \
  void tanh_rnn_backward_##S(long n_threads, long n_seeds, long batch, long hidden,            \
                             const T *dh, long dh_ss, long dh_ts, const T *h, long h_ss,       \
                             long h_ts, T *da, long da_ss, long da_ts) {                        \
    _Pragma("omp parallel for schedule(static) num_threads(n_threads)")                        \
    for (long r = 0; r < n_seeds * batch; ++r) {                                                \
      const long s = r / batch, b = r % batch;                                                  \
      derivative_row_##S(hidden, dh + s * dh_ss + b * dh_ts, h + s * h_ss + b * h_ts,          \
                         da + s * da_ss + b * da_ts);                                           \
    }                                                                                           \
  }

DEFINE_TANH_RNN_STEPS(float, f32, expf)
DEFINE_TANH_RNN_STEPS(double, f64, exp)
