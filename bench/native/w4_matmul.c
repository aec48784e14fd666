/*
 * W4 matmul in C: C = A . B for square n x n f32 matrices, i-k-j loop order (the same
 * straightforward algorithm as the plain JavaScript peer; GCC vectorizes the inner loop).
 *
 * Data file: A[n*n], B[n*n] f32. Output file: C[n*n] f32. Extra argument N = n.
 */
#include "common.h"

typedef struct {
  int n;
  float *a, *b, *c;
} mm;

static void matmul(int n, const float *restrict a, const float *restrict b, float *restrict c) {
  memset(c, 0, sizeof(float) * (size_t)n * n);
  for (int i = 0; i < n; i++) {
    float *restrict ci = c + (size_t)i * n;
    for (int k = 0; k < n; k++) {
      const float aik = a[(size_t)i * n + k];
      const float *restrict bk = b + (size_t)k * n;
      for (int j = 0; j < n; j++) ci[j] += aik * bk[j];
    }
  }
}

static void __attribute__((noinline)) body(void *ctx, long iterations) {
  mm *s = ctx;
  for (long i = 0; i < iterations; i++) matmul(s->n, s->a, s->b, s->c);
}

int main(int argc, char **argv) {
  plan p = parse_plan(argc, argv, 7);
  mm s;
  s.n = atoi(argv[6]);
  if (s.n <= 0) die("N must be positive");
  reader r = open_reader(argv[1]);
  s.a = read_f32(&r, (size_t)s.n * s.n);
  s.b = read_f32(&r, (size_t)s.n * s.n);
  close_reader(&r);
  s.c = xalloc(sizeof(float) * (size_t)s.n * s.n);

  matmul(s.n, s.a, s.b, s.c);
  FILE *out = fopen(argv[2], "wb");
  if (!out) die("cannot open the output file");
  write_all(out, s.c, sizeof(float) * (size_t)s.n * s.n);
  fclose(out);

  measure(body, NULL, &s, p);
  return 0;
}
