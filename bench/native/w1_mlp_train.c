/*
 * W1 mlp-train in C: batch 32, 784 -> 128 ReLU -> 10, softmax cross-entropy (mean over the
 * batch), SGD. Same algorithm as bench/impl/plain-js.ts: i-k-j matrix products over row-major
 * f32 arrays, buffers allocated once.
 *
 * Data file: x[B*D] f32, y[B] i32, W1[D*H], b1[H], W2[H*C], b2[C] f32.
 * Output file: losses of steps 1..3 (3 f64), then W1, b1, W2, b2 after step 1 (f32).
 * Extra argument N is unused. Dimensions and the learning rate are fixed below.
 */
#include "common.h"

enum { B = 32, D = 784, H = 128, C = 10 };
static const float LR = 0.1f;

typedef struct {
  float *x;
  int32_t *y;
  float *W1, *b1, *W2, *b2;             /* current params */
  float *W1_0, *b1_0, *W2_0, *b2_0;     /* initial params */
  float *z, *logits, *dl, *dh;          /* activations and their gradients */
  float *gW1, *gb1, *gW2, *gb2;         /* parameter gradients */
  double loss;
} net;

/* out[m*n] = a[m*k] . w[k*n] + bias[n], then ReLU if asked (i-k-j). */
static void dense(const float *restrict a, const float *restrict w, const float *restrict bias,
                  float *restrict out, int m, int k, int n, int relu) {
  for (int i = 0; i < m; i++) {
    float *restrict o = out + (size_t)i * n;
    for (int j = 0; j < n; j++) o[j] = bias[j];
    for (int p = 0; p < k; p++) {
      const float aip = a[(size_t)i * k + p];
      const float *restrict wp = w + (size_t)p * n;
      for (int j = 0; j < n; j++) o[j] += aip * wp[j];
    }
    if (relu)
      for (int j = 0; j < n; j++) o[j] = o[j] > 0.0f ? o[j] : 0.0f;
  }
}

static void step(net *s) {
  const float *restrict x = s->x;
  float *restrict z = s->z, *restrict dl = s->dl, *restrict dh = s->dh, *restrict logits = s->logits;
  float *restrict W1 = s->W1, *restrict b1 = s->b1, *restrict W2 = s->W2, *restrict b2 = s->b2;
  float *restrict gW1 = s->gW1, *restrict gb1 = s->gb1, *restrict gW2 = s->gW2, *restrict gb2 = s->gb2;

  dense(x, W1, b1, z, B, D, H, 1); /* z holds h = relu(x W1 + b1) */
  dense(z, W2, b2, logits, B, H, C, 0);

  double loss = 0;
  for (int i = 0; i < B; i++) {
    const float *l = logits + i * C;
    float max = l[0];
    for (int j = 1; j < C; j++) max = l[j] > max ? l[j] : max;
    double sum = 0;
    for (int j = 0; j < C; j++) sum += exp((double)(l[j] - max));
    const double lse = max + log(sum);
    const int label = s->y[i];
    loss += lse - l[label];
    for (int j = 0; j < C; j++) dl[i * C + j] = (float)((exp(l[j] - lse) - (j == label)) / B);
  }
  s->loss = loss / B;

  /* dW2 = h^T dl (i-k-j), db2 = sum of dl */
  memset(gW2, 0, sizeof(float) * H * C);
  for (int i = 0; i < H; i++) {
    float *restrict gi = gW2 + i * C;
    for (int k = 0; k < B; k++) {
      const float hki = z[k * H + i];
      const float *restrict dk = dl + k * C;
      for (int j = 0; j < C; j++) gi[j] += hki * dk[j];
    }
  }
  memset(gb2, 0, sizeof(float) * C);
  for (int k = 0; k < B; k++)
    for (int j = 0; j < C; j++) gb2[j] += dl[k * C + j];

  /* dh = dl W2^T, masked by relu'(z) (0 at z <= 0) */
  for (int i = 0; i < B; i++) {
    for (int j = 0; j < H; j++) {
      if (!(z[i * H + j] > 0.0f)) {
        dh[i * H + j] = 0.0f;
        continue;
      }
      float acc = 0.0f;
      for (int c = 0; c < C; c++) acc += dl[i * C + c] * W2[j * C + c];
      dh[i * H + j] = acc;
    }
  }

  /* dW1 = x^T dh (i-k-j), db1 = sum of dh */
  memset(gW1, 0, sizeof(float) * D * H);
  for (int i = 0; i < D; i++) {
    float *restrict gi = gW1 + (size_t)i * H;
    for (int k = 0; k < B; k++) {
      const float xki = x[(size_t)k * D + i];
      const float *restrict dk = dh + k * H;
      for (int j = 0; j < H; j++) gi[j] += xki * dk[j];
    }
  }
  memset(gb1, 0, sizeof(float) * H);
  for (int k = 0; k < B; k++)
    for (int j = 0; j < H; j++) gb1[j] += dh[k * H + j];

  /* SGD */
  for (int i = 0; i < D * H; i++) W1[i] -= LR * gW1[i];
  for (int i = 0; i < H; i++) b1[i] -= LR * gb1[i];
  for (int i = 0; i < H * C; i++) W2[i] -= LR * gW2[i];
  for (int i = 0; i < C; i++) b2[i] -= LR * gb2[i];
}

static void reset(void *ctx) {
  net *s = ctx;
  memcpy(s->W1, s->W1_0, sizeof(float) * D * H);
  memcpy(s->b1, s->b1_0, sizeof(float) * H);
  memcpy(s->W2, s->W2_0, sizeof(float) * H * C);
  memcpy(s->b2, s->b2_0, sizeof(float) * C);
}

static void __attribute__((noinline)) body(void *ctx, long iterations) {
  for (long i = 0; i < iterations; i++) step(ctx);
}

int main(int argc, char **argv) {
  plan p = parse_plan(argc, argv, 6);
  reader r = open_reader(argv[1]);
  net s;
  s.x = read_f32(&r, (size_t)B * D);
  s.y = read_i32(&r, B);
  s.W1_0 = read_f32(&r, (size_t)D * H);
  s.b1_0 = read_f32(&r, H);
  s.W2_0 = read_f32(&r, (size_t)H * C);
  s.b2_0 = read_f32(&r, C);
  close_reader(&r);
  for (int i = 0; i < B; i++)
    if (s.y[i] < 0 || s.y[i] >= C) die("label out of range");
  s.W1 = xalloc(sizeof(float) * D * H);
  s.b1 = xalloc(sizeof(float) * H);
  s.W2 = xalloc(sizeof(float) * H * C);
  s.b2 = xalloc(sizeof(float) * C);
  s.z = xalloc(sizeof(float) * B * H);
  s.logits = xalloc(sizeof(float) * B * C);
  s.dl = xalloc(sizeof(float) * B * C);
  s.dh = xalloc(sizeof(float) * B * H);
  s.gW1 = xalloc(sizeof(float) * D * H);
  s.gb1 = xalloc(sizeof(float) * H);
  s.gW2 = xalloc(sizeof(float) * H * C);
  s.gb2 = xalloc(sizeof(float) * C);

  /* agreement protocol: losses of steps 1..3, params after step 1 */
  FILE *out = fopen(argv[2], "wb");
  if (!out) die("cannot open the output file");
  reset(&s);
  double losses[3];
  step(&s);
  losses[0] = s.loss;
  float *after1 = xalloc(sizeof(float) * (D * H + H + H * C + C));
  memcpy(after1, s.W1, sizeof(float) * D * H);
  memcpy(after1 + D * H, s.b1, sizeof(float) * H);
  memcpy(after1 + D * H + H, s.W2, sizeof(float) * H * C);
  memcpy(after1 + D * H + H + H * C, s.b2, sizeof(float) * C);
  step(&s);
  losses[1] = s.loss;
  step(&s);
  losses[2] = s.loss;
  write_all(out, losses, sizeof losses);
  write_all(out, after1, sizeof(float) * (D * H + H + H * C + C));
  fclose(out);

  measure(body, reset, &s, p);
  return 0;
}
