// The N-API entry points. Each one re-checks everything its kernel relies on, throws a
// TypeError or RangeError naming the offending argument, and returns undefined.
//
// The float arrays of one call are all Float32Array or all Float64Array. An output may be
// the same array as an input of the same length (in place) but must not partly overlap any
// input. A stream is six uint32 arguments (keyLo, keyHi, streamLo, streamHi, offsetLo,
// offsetHi), written STREAM below. A transform is three arguments (scale, shift, dropValue):
// kept x becomes x * scale (+ shift unless shift is null), dropped elements become dropValue.
//
// THREADS, the last argument where it appears, is the most threads the call runs on (an integer
// >= 1, undefined is 1; more than pool::maxThreads() means all of them). Above one thread the work
// is split into ranges run on the pool (pool::forEachRange); the result never depends on it.
//
// An ...Async entry point checks its arguments exactly like the synchronous one (and throws
// the same errors synchronously), then runs the job on the libuv thread pool and returns a
// Promise: it resolves with undefined, or with the name of an array argument whose buffer was
// detached before the job finished (async.h).
#ifndef SIMD_DROPOUT_BINDING_H_
#define SIMD_DROPOUT_BINDING_H_

#include <napi.h>

namespace simd_dropout {
namespace binding {

// (x, out, maskBits | null, STREAM, dropThreshold, scale, shift | null, dropValue, THREADS)
void dropoutFused(const Napi::CallbackInfo& info);
Napi::Value dropoutFusedAsync(const Napi::CallbackInfo& info);

// (maskBits, count, STREAM, dropThreshold, THREADS)
void generateMask(const Napi::CallbackInfo& info);
Napi::Value generateMaskAsync(const Napi::CallbackInfo& info);

// (x, out, maskBits, scale, shift | null, dropValue, dims | null, maskStrides | null, THREADS):
// null, null is the elementwise layout [x.length] / [1]. Split along dims[0], at rows whose
// first mask index is a multiple of 32.
void applyMask(const Napi::CallbackInfo& info);
Napi::Value applyMaskAsync(const Napi::CallbackInfo& info);

// (x, out, STREAM, stddev, mode: 'multiply' | 'add', THREADS)
void gaussianNoise(const Napi::CallbackInfo& info);

// (x, bias, residual, out, maskBits | null, STREAM, dropThreshold, scale, THREADS): ranges
// start at multiples of lcm(32, bias.length).
void biasDropoutAdd(const Napi::CallbackInfo& info);

// (rows, out): out.length columns, rows.length / out.length rows. One thread.
void columnSums(const Napi::CallbackInfo& info);

// (x, out, factor, THREADS)
void scale(const Napi::CallbackInfo& info);
Napi::Value scaleAsync(const Napi::CallbackInfo& info);

// (words, STREAM, THREADS)
void randomWords(const Napi::CallbackInfo& info);

// (out: Float64Array, STREAM, THREADS)
void normalValues(const Napi::CallbackInfo& info);

// (counter: 4 words, key: 2 words, rounds: 7 | 10, out: 4 words): one Philox4x32-R block of
// any counter, for the generator's known-answer tests.
void philoxBlock(const Napi::CallbackInfo& info);

// () -> { maxThreads, threads, workers }: the most threads a job runs on, the process-wide
// default thread count, and how many pool workers are started now.
Napi::Value threadInfo(const Napi::CallbackInfo& info);

// (threads): sets the process-wide default thread count, an integer in [1, maxThreads].
void setThreads(const Napi::CallbackInfo& info);

}  // namespace binding
}  // namespace simd_dropout

#endif  // SIMD_DROPOUT_BINDING_H_
