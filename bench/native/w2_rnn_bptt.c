/*
 * W2 rnn-bptt in C: Elman RNN, T = 32 steps, batch 16, 64 -> 128 tanh -> 64 softmax at every
 * step, softmax cross-entropy (mean over the T*B outputs), full backpropagation through time,
 * SGD. Same algorithm as rnnTrain in bench/impl/plain-js.ts: the recurrence step by step, the
 * output layer, loss and weight gradients once over the T*B rows of all steps, i-k-j matrix
 * products over row-major f32 arrays (the backward recurrence multiplies by transposed copies of
 * Wh and Wy, made each step), buffers allocated once.
 *
 *   h_0 = 0; h_{t+1} = tanh(x_t Wx + h_t Wh + bh); logits_t = h_{t+1} Wy + by
 *
 * Data file: x[T*B*D] f32 (time-major), y[T*B] i32, Wx[D*H], Wh[H*H], bh[H], Wy[H*V], by[V] f32.
 * Output file: losses of steps 1..3 (3 f64), then Wx, Wh, bh, Wy, by after step 1 (f32).
 * Extra argument N is unused. Dimensions and the learning rate are fixed below.
 */
#include "common.h"

enum { T = 32, B = 16, D = 64, H = 128, V = 64, TB = T * B };
static const float LR = 0.1f;

typedef struct {
  float *x;
  int32_t *y;
  float *Wx, *Wh, *bh, *Wy, *by;      /* current params */
  float *Wx0, *Wh0, *bh0, *Wy0, *by0; /* initial params */
  float *hs;                          /* h_0 (zeros), h_1, ..., h_T: [(T+1)*B, H] */
  float *dl;                          /* logits, then their gradient: [T*B, V] */
  float *da;                          /* gradient of the pre-activations: [T*B, H] */
  float *dh;                          /* gradient of h_{t+1} at the current step: [B, H] */
  float *WhT, *WyT;                   /* transposed weights for the backward recurrence */
  float *gWx, *gWh, *gbh, *gWy, *gby; /* parameter gradients */
  double loss;
} net;

/* c[k*n] = a[m*k]^T . b[m*n] (i-k-j: the inner loop runs over a row of b). */
static void matmul_tn(const float *restrict a, const float *restrict b, float *restrict c, int m, int k,
                      int n) {
  memset(c, 0, sizeof(float) * (size_t)k * n);
  for (int i = 0; i < k; i++) {
    float *restrict ci = c + (size_t)i * n;
    for (int r = 0; r < m; r++) {
      const float ari = a[(size_t)r * k + i];
      const float *restrict br = b + (size_t)r * n;
      for (int j = 0; j < n; j++) ci[j] += ari * br[j];
    }
  }
}

/* out[n*m] = a[m*n]^T */
static void transpose(const float *restrict a, float *restrict out, int m, int n) {
  for (int i = 0; i < m; i++)
    for (int j = 0; j < n; j++) out[(size_t)j * m + i] = a[(size_t)i * n + j];
}

/* sum[n] = sum of the m rows of a[m*n] */
static void sum_rows(const float *restrict a, float *restrict sum, int m, int n) {
  memset(sum, 0, sizeof(float) * n);
  for (int i = 0; i < m; i++)
    for (int j = 0; j < n; j++) sum[j] += a[(size_t)i * n + j];
}

static void step(net *s) {
  const float *restrict x = s->x;
  float *restrict hs = s->hs, *restrict dl = s->dl, *restrict da = s->da, *restrict dh = s->dh;
  float *restrict Wx = s->Wx, *restrict Wh = s->Wh, *restrict bh = s->bh, *restrict Wy = s->Wy,
                  *restrict by = s->by;
  float *restrict WhT = s->WhT, *restrict WyT = s->WyT;

  /* forward: h_{t+1} = tanh(x_t Wx + h_t Wh + bh) */
  for (int t = 0; t < T; t++) {
    for (int b = 0; b < B; b++) {
      float *restrict o = hs + (size_t)(t + 1) * B * H + b * H;
      const float *restrict hp = hs + (size_t)t * B * H + b * H;
      const float *restrict xr = x + (size_t)(t * B + b) * D;
      for (int j = 0; j < H; j++) o[j] = bh[j];
      for (int k = 0; k < D; k++) {
        const float xk = xr[k];
        const float *restrict wk = Wx + k * H;
        for (int j = 0; j < H; j++) o[j] += xk * wk[j];
      }
      for (int k = 0; k < H; k++) {
        const float hk = hp[k];
        const float *restrict wk = Wh + k * H;
        for (int j = 0; j < H; j++) o[j] += hk * wk[j];
      }
      for (int j = 0; j < H; j++) o[j] = tanhf(o[j]);
    }
  }

  /* output layer over all steps: logits = h_{1..T} Wy + by */
  const float *restrict hout = hs + B * H;
  for (int i = 0; i < TB; i++) {
    float *restrict l = dl + (size_t)i * V;
    for (int j = 0; j < V; j++) l[j] = by[j];
    for (int k = 0; k < H; k++) {
      const float hk = hout[(size_t)i * H + k];
      const float *restrict wk = Wy + k * V;
      for (int j = 0; j < V; j++) l[j] += hk * wk[j];
    }
  }

  /* softmax cross-entropy (mean over T*B); dlogits = (softmax - onehot) / (T*B), in place */
  double loss = 0;
  for (int i = 0; i < TB; i++) {
    float *restrict l = dl + (size_t)i * V;
    const int label = s->y[i];
    float max = l[0];
    for (int j = 1; j < V; j++) max = l[j] > max ? l[j] : max;
    const float target = l[label];
    double sum = 0;
    for (int j = 0; j < V; j++) {
      l[j] = expf(l[j] - max);
      sum += l[j];
    }
    loss += max + log(sum) - target;
    const float inv = (float)(1.0 / sum);
    for (int j = 0; j < V; j++) l[j] = (l[j] * inv - (j == label)) * (1.0f / TB);
  }
  s->loss = loss / TB;

  /* backward through time: dh_{t+1} = dl_t Wy^T + da_{t+1} Wh^T; da_t = dh_{t+1} (1 - h_{t+1}^2) */
  transpose(Wy, WyT, H, V);
  transpose(Wh, WhT, H, H);
  for (int t = T - 1; t >= 0; t--) {
    for (int b = 0; b < B; b++) {
      const int row = t * B + b;
      float *restrict o = dh + b * H;
      memset(o, 0, sizeof(float) * H);
      if (t < T - 1) {
        const float *restrict an = da + (size_t)(row + B) * H; /* row b of da_{t+1} */
        for (int k = 0; k < H; k++) {
          const float ak = an[k];
          const float *restrict wk = WhT + k * H;
          for (int j = 0; j < H; j++) o[j] += ak * wk[j];
        }
      }
      const float *restrict dlr = dl + (size_t)row * V;
      for (int c = 0; c < V; c++) {
        const float lc = dlr[c];
        const float *restrict wc = WyT + c * H;
        for (int j = 0; j < H; j++) o[j] += lc * wc[j];
      }
      const float *restrict h = hs + (size_t)(t + 1) * B * H + b * H;
      float *restrict ar = da + (size_t)row * H;
      for (int j = 0; j < H; j++) ar[j] = o[j] * (1.0f - h[j] * h[j]);
    }
  }

  /* weight gradients over all T*B rows */
  matmul_tn(hout, dl, s->gWy, TB, H, V);
  sum_rows(dl, s->gby, TB, V);
  matmul_tn(x, da, s->gWx, TB, D, H);
  matmul_tn(hs, da, s->gWh, TB, H, H); /* h_0 .. h_{T-1} pair with da_0 .. da_{T-1} */
  sum_rows(da, s->gbh, TB, H);

  /* SGD */
  for (int i = 0; i < D * H; i++) Wx[i] -= LR * s->gWx[i];
  for (int i = 0; i < H * H; i++) Wh[i] -= LR * s->gWh[i];
  for (int i = 0; i < H; i++) bh[i] -= LR * s->gbh[i];
  for (int i = 0; i < H * V; i++) Wy[i] -= LR * s->gWy[i];
  for (int i = 0; i < V; i++) by[i] -= LR * s->gby[i];
}

static void reset(void *ctx) {
  net *s = ctx;
  memcpy(s->Wx, s->Wx0, sizeof(float) * D * H);
  memcpy(s->Wh, s->Wh0, sizeof(float) * H * H);
  memcpy(s->bh, s->bh0, sizeof(float) * H);
  memcpy(s->Wy, s->Wy0, sizeof(float) * H * V);
  memcpy(s->by, s->by0, sizeof(float) * V);
}

static void __attribute__((noinline)) body(void *ctx, long iterations) {
  for (long i = 0; i < iterations; i++) step(ctx);
}

int main(int argc, char **argv) {
  plan p = parse_plan(argc, argv, 6);
  reader r = open_reader(argv[1]);
  net s;
  s.x = read_f32(&r, (size_t)TB * D);
  s.y = read_i32(&r, TB);
  s.Wx0 = read_f32(&r, (size_t)D * H);
  s.Wh0 = read_f32(&r, (size_t)H * H);
  s.bh0 = read_f32(&r, H);
  s.Wy0 = read_f32(&r, (size_t)H * V);
  s.by0 = read_f32(&r, V);
  close_reader(&r);
  for (int i = 0; i < TB; i++)
    if (s.y[i] < 0 || s.y[i] >= V) die("label out of range");
  s.Wx = xalloc(sizeof(float) * D * H);
  s.Wh = xalloc(sizeof(float) * H * H);
  s.bh = xalloc(sizeof(float) * H);
  s.Wy = xalloc(sizeof(float) * H * V);
  s.by = xalloc(sizeof(float) * V);
  s.hs = xalloc(sizeof(float) * (T + 1) * B * H); /* h_0 stays zero */
  s.dl = xalloc(sizeof(float) * TB * V);
  s.da = xalloc(sizeof(float) * TB * H);
  s.dh = xalloc(sizeof(float) * B * H);
  s.WhT = xalloc(sizeof(float) * H * H);
  s.WyT = xalloc(sizeof(float) * V * H);
  s.gWx = xalloc(sizeof(float) * D * H);
  s.gWh = xalloc(sizeof(float) * H * H);
  s.gbh = xalloc(sizeof(float) * H);
  s.gWy = xalloc(sizeof(float) * H * V);
  s.gby = xalloc(sizeof(float) * V);

  /* agreement protocol: losses of steps 1..3, params after step 1 */
  FILE *out = fopen(argv[2], "wb");
  if (!out) die("cannot open the output file");
  reset(&s);
  double losses[3];
  step(&s);
  losses[0] = s.loss;
  const size_t nparams = (size_t)D * H + H * H + H + H * V + V;
  float *after1 = xalloc(sizeof(float) * nparams);
  float *q = after1;
  memcpy(q, s.Wx, sizeof(float) * D * H), q += D * H;
  memcpy(q, s.Wh, sizeof(float) * H * H), q += H * H;
  memcpy(q, s.bh, sizeof(float) * H), q += H;
  memcpy(q, s.Wy, sizeof(float) * H * V), q += H * V;
  memcpy(q, s.by, sizeof(float) * V);
  step(&s);
  losses[1] = s.loss;
  step(&s);
  losses[2] = s.loss;
  write_all(out, losses, sizeof losses);
  write_all(out, after1, sizeof(float) * nparams);
  fclose(out);

  measure(body, reset, &s, p);
  return 0;
}
