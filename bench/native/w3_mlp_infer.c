/*
 * W3 mlp-infer-b1 in C: batch 1, 64 -> 64 ReLU -> 64 ReLU -> 10 softmax. One call copies the 64
 * inputs in, runs the network and copies the 10 probabilities out, like the JavaScript peers.
 *
 * Data file: K inputs [K*64] f32 (K = 16), W1[64*64], b1[64], W2[64*64], b2[64], W3[64*10],
 * b3[10] f32. Output file: the K output vectors [K*10] f32. Extra argument N is unused.
 */
#include "common.h"

enum { K = 16, I = 64, H = 64, C = 10 };

typedef struct {
  float *inputs, *outputs;
  float *W1, *b1, *W2, *b2, *W3, *b3;
  float *x, *h1, *h2, *z;
  float out[C];
} net;

static void dense(const float *restrict a, const float *restrict w, const float *restrict bias,
                  float *restrict o, int k, int n, int relu) {
  for (int j = 0; j < n; j++) o[j] = bias[j];
  for (int p = 0; p < k; p++) {
    const float ap = a[p];
    const float *restrict wp = w + p * n;
    for (int j = 0; j < n; j++) o[j] += ap * wp[j];
  }
  if (relu)
    for (int j = 0; j < n; j++) o[j] = o[j] > 0.0f ? o[j] : 0.0f;
}

static void infer(net *s, const float *input, float *out) {
  memcpy(s->x, input, sizeof(float) * I);
  dense(s->x, s->W1, s->b1, s->h1, I, H, 1);
  dense(s->h1, s->W2, s->b2, s->h2, H, H, 1);
  dense(s->h2, s->W3, s->b3, s->z, H, C, 0);
  float max = s->z[0];
  for (int j = 1; j < C; j++) max = s->z[j] > max ? s->z[j] : max;
  float sum = 0.0f;
  for (int j = 0; j < C; j++) {
    s->z[j] = expf(s->z[j] - max);
    sum += s->z[j];
  }
  const float inv = 1.0f / sum;
  for (int j = 0; j < C; j++) s->z[j] *= inv;
  memcpy(out, s->z, sizeof(float) * C);
}

static void __attribute__((noinline)) body(void *ctx, long iterations) {
  net *s = ctx;
  for (long i = 0; i < iterations; i++) infer(s, s->inputs + (i & (K - 1)) * I, s->out);
}

int main(int argc, char **argv) {
  plan p = parse_plan(argc, argv, 6);
  reader r = open_reader(argv[1]);
  net s;
  s.inputs = read_f32(&r, (size_t)K * I);
  s.W1 = read_f32(&r, (size_t)I * H);
  s.b1 = read_f32(&r, H);
  s.W2 = read_f32(&r, (size_t)H * H);
  s.b2 = read_f32(&r, H);
  s.W3 = read_f32(&r, (size_t)H * C);
  s.b3 = read_f32(&r, C);
  close_reader(&r);
  s.x = xalloc(sizeof(float) * I);
  s.h1 = xalloc(sizeof(float) * H);
  s.h2 = xalloc(sizeof(float) * H);
  s.z = xalloc(sizeof(float) * C);
  s.outputs = xalloc(sizeof(float) * K * C);

  for (int k = 0; k < K; k++) infer(&s, s.inputs + k * I, s.outputs + k * C);
  FILE *out = fopen(argv[2], "wb");
  if (!out) die("cannot open the output file");
  write_all(out, s.outputs, sizeof(float) * K * C);
  fclose(out);

  measure(body, NULL, &s, p);
  return 0;
}
