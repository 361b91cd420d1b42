/* Fused per-step GRU maths for the "sequence" kernel: one call per time step, forward and
   backward, around the state matmul that stays in PyTorch (MKL).

   Forward, per trial: the input projection x = W_ih u + b_ih (when the caller passes W_ih; for
   wide inputs it does that matmul itself), the gates from x and g = W_hh h + b_hh,
     r, z = sigmoid(x_rz + g_rz),  n = tanh(x_n + r * g_n),  h' = n + z * (h - n),
   and the linear readout y = W_o h' + b_o. It keeps only what backward needs: one row
   [r | z | n | g_n] per trial. Backward, per trial: dh from the readout and the next step, the
   gate derivatives, and the gradients of W_ih, b_ih, b_hn, W_o and b_o, summed over the batch
   in float per step and added to double accumulators (sums over ~10^5 terms stay exact to
   float precision). Trials are split over OpenMP threads (the runtime PyTorch has loaded, so
   no second thread pool), each with its own partial sums. Each row is a helper with `restrict` arguments so that the compiler
   vectorises it (with -ffast-math calling glibc's vector exp). Rows are contiguous; `*_rs`
   are row strides in elements. Built at first use by native.py, called through ctypes. */

#include <math.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#else
static int omp_get_thread_num(void) { return 0; }
#endif

/* The tensors of one forward/backward call (contiguous and time-major, [time, batch, ·], so
   that one step's rows are one block of memory, unless noted), set once per call from Python;
   the per-step functions take only t and the step's own rows. */
struct gru_call {
  long batch, n_time, hidden, n_in, n_out, n_threads; /* n_threads: scratch slots */
  long keep_d_drive;                      /* write d_drive (else only d_state) */
  void *inputs, *states, *outputs;        /* [T, B, in], [T, B, H], [T, B, out] */
  void *w_ih_t, *b_ih, *w_o, *b_o;        /* [in, 3H] (NULL: projected by the caller), [3H], */
                                          /* [out, H], [out] */
  void *drive, *recurrent;                /* [B, 3H] each: W_ih u + b_ih, W_hh h + b_hh */
  void *grad_states, *grad_outputs;       /* as states, outputs; NULL when not needed */
  void *dh, *d_state, *d_drive, *scratch; /* [B, H], [B, 3H], [B, 3H], per-thread sums */
  double *grad_ih, *grad_o, *grad_b_hn;   /* [in + 1, 3H], [out, H + 1], [H] accumulators */
};

#define DEFINE_GRU_STEP(T, S, EXP)                                                              \
  static inline T sigmoid_##S(T x) { return (T)1 / ((T)1 + EXP(-x)); }                         \
                                                                                                \
  /* x <- bias + W u, with W given transposed, [n_in, width] */                                \
  static void project_row_##S(long width, long n_in, const T *restrict u,                      \
                              const T *restrict w_t, const T *restrict bias, T *restrict x) {  \
    for (long j = 0; j < width; ++j) x[j] = bias[j];                                            \
    for (long i = 0; i < n_in; ++i) {                                                           \
      const T ui = u[i], *restrict w = w_t + i * width;                                         \
      for (long j = 0; j < width; ++j) x[j] += ui * w[j];                                       \
    }                                                                                           \
  }                                                                                             \
                                                                                                \
  static void gates_row_##S(long hidden, const T *restrict x, const T *restrict g,             \
                            const T *restrict h, T *restrict saved, T *restrict out) {         \
    for (long j = 0; j < 2 * hidden; ++j) saved[j] = sigmoid_##S(x[j] + g[j]);                 \
    const T *restrict r = saved, *restrict z = saved + hidden;                                 \
    T *restrict n = saved + 2 * hidden, *restrict g_n = saved + 3 * hidden;                    \
    for (long j = 0; j < hidden; ++j) {                                                         \
      g_n[j] = g[2 * hidden + j];                                                               \
      T nj = (T)2 * sigmoid_##S((T)2 * (x[2 * hidden + j] + r[j] * g_n[j])) - (T)1; /* tanh */ \
      n[j] = nj;                                                                                \
      out[j] = nj + z[j] * (h[j] - nj);                                                         \
    }                                                                                           \
  }                                                                                             \
                                                                                                \
  static void readout_row_##S(long hidden, long n_out, const T *restrict h,                    \
                              const T *restrict w_o, const T *restrict b_o, T *restrict y) {   \
    for (long o = 0; o < n_out; ++o) {                                                          \
      const T *restrict w = w_o + o * hidden;                                                   \
      T sum = b_o[o];                                                                           \
      for (long j = 0; j < hidden; ++j) sum += w[j] * h[j];                                     \
      y[o] = sum;                                                                               \
    }                                                                                           \
  }                                                                                             \
                                                                                                \
  /* One call's tensors; rows [batch, ·] of [time, batch, ·] tensors are found from t. */     \
  void gru_forward_##S(const struct gru_call *c, long t, const T *state, long state_rs,        \
                       T *saved) {                                                              \
    const long hidden = c->hidden;                                                             \
    _Pragma("omp parallel for schedule(static) num_threads(c->n_threads)")                     \
    for (long b = 0; b < c->batch; ++b) {                                                       \
      T *x = (T *)c->drive + b * 3 * hidden;                                                    \
      T *h_out = (T *)c->states + (t * c->batch + b) * hidden;                                    \
      if (c->w_ih_t)                                                                            \
        project_row_##S(3 * hidden, c->n_in, (const T *)c->inputs + (t * c->batch + b) * c->n_in,\
                        c->w_ih_t, c->b_ih, x);                                                 \
      gates_row_##S(hidden, x, (const T *)c->recurrent + b * 3 * hidden,                       \
                    state + b * state_rs, saved + b * 4 * hidden, h_out);                      \
      readout_row_##S(hidden, c->n_out, h_out, c->w_o, c->b_o,                                 \
                      (T *)c->outputs + (t * c->batch + b) * c->n_out);                          \
    }                                                                                           \
  }                                                                                             \
                                                                                                \
  /* dh += W_o^T dy;  acc_o += [dy h^T | dy] */                                                \
  static void readout_grad_row_##S(long hidden, long n_out, const T *restrict dy,              \
                                   const T *restrict w_o, const T *restrict h,                 \
                                   T *restrict dh, T *restrict acc_o) {                        \
    for (long o = 0; o < n_out; ++o) {                                                          \
      const T g = dy[o], *restrict w = w_o + o * hidden;                                        \
      T *restrict acc = acc_o + o * (hidden + 1);                                               \
      for (long j = 0; j < hidden; ++j) {                                                       \
        dh[j] += g * w[j];                                                                      \
        acc[j] += g * h[j];                                                                     \
      }                                                                                         \
      acc[hidden] += g;                                                                         \
    }                                                                                           \
  }                                                                                             \
                                                                                                \
  /* dh (in dnext) -> d_state = [dr, dz, dn r] and dn; dnext <- dh z */                     \
  static void gates_grad_row_##S(long hidden, T *restrict dnext, const T *restrict saved,      \
                                 const T *restrict h, T *restrict d_state, T *restrict dn_out, \
                                 T *restrict acc_gn) {                                          \
    const T *restrict r = saved, *restrict z = saved + hidden;                                 \
    const T *restrict n = saved + 2 * hidden, *restrict g_n = saved + 3 * hidden;              \
    for (long j = 0; j < hidden; ++j) {                                                         \
      T dh = dnext[j];                                                                          \
      T dn = dh * ((T)1 - z[j]) * ((T)1 - n[j] * n[j]);                                         \
      d_state[j] = dn * g_n[j] * r[j] * ((T)1 - r[j]);                                          \
      d_state[hidden + j] = dh * (h[j] - n[j]) * z[j] * ((T)1 - z[j]);                          \
      d_state[2 * hidden + j] = dn * r[j];                                                      \
      dn_out[j] = dn;                                                                           \
      acc_gn[j] += dn * r[j];                                                                   \
      dnext[j] = dh * z[j];                                                                     \
    }                                                                                           \
  }                                                                                             \
                                                                                                \
  /* acc_ih += [u; 1] d_drive^T, as rows [n_in + 1, 3H], with d_drive = [d_state[:2H], dn] */  \
  static void project_grad_row_##S(long hidden, long n_in, const T *restrict u,                \
                                   const T *restrict d_state, const T *restrict dn,            \
                                   T *restrict acc_ih) {                                        \
    for (long i = 0; i <= n_in; ++i) {                                                          \
      const T ui = i < n_in ? u[i] : (T)1;                                                      \
      T *restrict acc = acc_ih + i * 3 * hidden;                                                \
      for (long j = 0; j < 2 * hidden; ++j) acc[j] += ui * d_state[j];                          \
      for (long j = 0; j < hidden; ++j) acc[2 * hidden + j] += ui * dn[j];                      \
    }                                                                                           \
  }                                                                                             \
                                                                                                \
  static void add_to_double_##S(long count, const T *restrict from, double *restrict to) {     \
    for (long k = 0; k < count; ++k) to[k] += from[k];                                          \
  }                                                                                             \
                                                                                                \
  /* c->dh holds the gradient reaching h_t from step t + 1; grad_states and grad_outputs       \
     (either may be NULL) are the loss's own gradients of h_t and y_t. d_drive is written only  \
     with c->keep_d_drive: without c->w_ih_t the caller forms the gradients of W_ih and b_ih    \
     from it, and the gradient of the inputs. */                                                \
  void gru_backward_##S(const struct gru_call *c, long t, const T *previous, long previous_rs, \
                        const T *saved) {                                                       \
    const long hidden = c->hidden, width = 3 * hidden;                                         \
    const long n_ih = c->w_ih_t ? (c->n_in + 1) * width : 0, n_o = c->n_out * (hidden + 1);    \
    const long per_thread = n_ih + n_o + 2 * hidden; /* sums, and a dn row */               \
    memset(c->scratch, 0, sizeof(T) * per_thread * c->n_threads);                               \
    _Pragma("omp parallel for schedule(static) num_threads(c->n_threads)")                     \
    for (long b = 0; b < c->batch; ++b) {                                                       \
      T *sum_ih = (T *)c->scratch + omp_get_thread_num() * per_thread;                          \
      T *sum_o = sum_ih + n_ih, *sum_gn = sum_o + n_o, *dn_row = sum_gn + hidden;               \
      T *dh = (T *)c->dh + b * hidden, *d_state = (T *)c->d_state + b * width;                  \
      T *d_drive = (T *)c->d_drive + b * width;                                                 \
      const long row = t * c->batch + b;                                                        \
      if (c->grad_states) add_row_##S(hidden, (const T *)c->grad_states + row * hidden, dh);   \
      if (c->grad_outputs)                                                                      \
        readout_grad_row_##S(hidden, c->n_out, (const T *)c->grad_outputs + row * c->n_out,    \
                             c->w_o, (const T *)c->states + row * hidden, dh, sum_o);          \
      if (c->keep_d_drive) dn_row = d_drive + 2 * hidden;                                       \
      gates_grad_row_##S(hidden, dh, saved + b * 4 * hidden, previous + b * previous_rs,       \
                         d_state, dn_row, sum_gn);                                              \
      if (c->keep_d_drive) memcpy(d_drive, d_state, sizeof(T) * 2 * hidden);                    \
      if (c->w_ih_t)                                                                            \
        project_grad_row_##S(hidden, c->n_in, (const T *)c->inputs + row * c->n_in, d_state,   \
                             dn_row, sum_ih);                                                   \
    }                                                                                           \
    for (long k = 0; k < c->n_threads; ++k) {                                                   \
      const T *sum_ih = (const T *)c->scratch + k * per_thread;                                 \
      if (c->w_ih_t) add_to_double_##S(n_ih, sum_ih, c->grad_ih);                               \
      add_to_double_##S(n_o, sum_ih + n_ih, c->grad_o);                                         \
      add_to_double_##S(hidden, sum_ih + n_ih + n_o, c->grad_b_hn);                             \
    }                                                                                           \
  }

#define DEFINE_ADD_ROW(T, S)                                                                    \
  static void add_row_##S(long count, const T *restrict from, T *restrict to) {                \
    for (long k = 0; k < count; ++k) to[k] += from[k];                                          \
  }

DEFINE_ADD_ROW(float, f32)
DEFINE_ADD_ROW(double, f64)
DEFINE_GRU_STEP(float, f32, expf)
DEFINE_GRU_STEP(double, f64, exp)
