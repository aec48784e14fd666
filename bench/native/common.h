/*
 * Shared by the native peers (the .c files next to this one). Each program reads the harness's
 * data file, runs the agreement protocol and writes its results to a file, then times the
 * workload with the same protocol as bench/lib/timing.ts and prints one JSON object on stdout:
 *
 *   {"perIterMs":[...],"iterationsPerRepeat":N,"warmupIterations":N,"cpuShare":X}
 *
 * Usage: <program> DATA OUT WARMUP_MS TARGET_MS REPEATS [N]
 * Built by the harness with `gcc -O3 -march=native` (no -ffast-math: IEEE semantics; note that
 * GCC's default -ffp-contract=fast lets it fuse a*b+c into FMA instructions).
 */
#ifndef WASMGRAD_BENCH_COMMON_H
#define WASMGRAD_BENCH_COMMON_H

#define _POSIX_C_SOURCE 199309L
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static void die(const char *msg) __attribute__((noreturn));
static void die(const char *msg) {
  fprintf(stderr, "native bench: %s\n", msg);
  exit(1);
}

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

/* User + system CPU time of this process, in ms. */
static double cpu_ms(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
         (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-3;
}

/* 64-byte aligned, zeroed allocation. */
static void *xalloc(size_t bytes) {
  size_t rounded = (bytes + 63) / 64 * 64;
  void *p = aligned_alloc(64, rounded ? rounded : 64);
  if (!p) die("out of memory");
  memset(p, 0, rounded ? rounded : 64);
  return p;
}

/* The data file: arrays concatenated in a fixed order, little-endian f32 / i32. */
typedef struct {
  FILE *f;
} reader;

static reader open_reader(const char *path) {
  reader r = {fopen(path, "rb")};
  if (!r.f) die("cannot open the data file");
  return r;
}

static float *read_f32(reader *r, size_t n) {
  float *p = xalloc(n * sizeof(float));
  if (fread(p, sizeof(float), n, r->f) != n) die("data file too short");
  return p;
}

static __attribute__((unused)) int32_t *read_i32(reader *r, size_t n) {
  int32_t *p = xalloc(n * sizeof(int32_t));
  if (fread(p, sizeof(int32_t), n, r->f) != n) die("data file too short");
  return p;
}

static void close_reader(reader *r) {
  if (fgetc(r->f) != EOF) die("data file too long");
  fclose(r->f);
}

static void write_all(FILE *f, const void *p, size_t bytes) {
  if (fwrite(p, 1, bytes, f) != bytes) die("cannot write the output file");
}

typedef struct {
  double warmup_ms, target_ms;
  int repeats;
} plan;

static plan parse_plan(int argc, char **argv, int min_args) {
  if (argc < min_args) die("usage: DATA OUT WARMUP_MS TARGET_MS REPEATS [N]");
  plan p = {atof(argv[3]), atof(argv[4]), atoi(argv[5])};
  if (p.repeats < 1) die("REPEATS must be >= 1");
  return p;
}

/* Runs `iterations` iterations; `reset` restores the initial state (not timed). Called through
 * volatile pointers so the compiler cannot hoist or elide the repeated work. */
typedef void (*body_fn)(void *ctx, long iterations);
typedef void (*reset_fn)(void *ctx);

static void measure(body_fn body_, reset_fn reset_, void *ctx, plan p) {
  body_fn volatile body = body_;
  reset_fn volatile reset = reset_;
  if (reset) reset(ctx);
  long warmup_iterations = 0, batch = 1;
  double last_per_iter = 0;
  double warm_start = now_ms();
  for (;;) {
    double t0 = now_ms();
    body(ctx, batch);
    double t1 = now_ms();
    warmup_iterations += batch;
    last_per_iter = (t1 - t0) / (double)batch;
    if (t1 - warm_start >= p.warmup_ms && warmup_iterations >= 2) break;
    batch *= 2;
  }
  if (last_per_iter < 1e-6) last_per_iter = 1e-6;
  long iterations = (long)ceil(p.target_ms / last_per_iter);
  if (iterations < 1) iterations = 1;
  printf("{\"perIterMs\":[");
  double cpu0 = cpu_ms(), wall0 = now_ms();
  for (int r = 0; r < p.repeats; r++) {
    if (reset) reset(ctx);
    double t0 = now_ms();
    body(ctx, iterations);
    double dt = (now_ms() - t0) / (double)iterations;
    printf("%s%.9g", r ? "," : "", dt);
  }
  double share = (cpu_ms() - cpu0) / (now_ms() - wall0);
  printf("],\"iterationsPerRepeat\":%ld,\"warmupIterations\":%ld,\"cpuShare\":%.3f}\n", iterations,
         warmup_iterations, share);
}

#endif
