// The N-API entry points. Each one re-checks everything its kernel relies on, throws a
// TypeError or RangeError naming the offending argument, and returns undefined.
//
// The float arrays of one call are all Float32Array or all Float64Array. An output may be
// the same array as an input of the same length (in place) but must not partly overlap any
// input. A stream is six uint32 arguments (keyLo, keyHi, streamLo, streamHi, offsetLo,
// offsetHi), written STREAM below. A transform is three arguments (scale, shift, dropValue):
// kept x becomes x * scale (+ shift unless shift is null), dropped elements become dropValue.
#ifndef SIMD_DROPOUT_BINDING_H_
#define SIMD_DROPOUT_BINDING_H_

#include <napi.h>

namespace simd_dropout {
namespace binding {

// (x, out, maskBits | null, STREAM, dropThreshold, scale, shift | null, dropValue)
void dropoutFused(const Napi::CallbackInfo& info);

// (maskBits, count, STREAM, dropThreshold)
void generateMask(const Napi::CallbackInfo& info);

// (x, out, maskBits, scale, shift | null, dropValue, dims, maskStrides)
void applyMask(const Napi::CallbackInfo& info);

// (x, out, STREAM, stddev, mode: 'multiply' | 'add')
void gaussianNoise(const Napi::CallbackInfo& info);

// (x, bias, residual, out, maskBits | null, STREAM, dropThreshold, scale)
void biasDropoutAdd(const Napi::CallbackInfo& info);

// (rows, out): out.length columns, rows.length / out.length rows.
void columnSums(const Napi::CallbackInfo& info);

// (x, out, factor)
void scale(const Napi::CallbackInfo& info);

// (words, STREAM)
void randomWords(const Napi::CallbackInfo& info);

// (out: Float64Array, STREAM)
void normalValues(const Napi::CallbackInfo& info);

// (counter: 4 words, key: 2 words, rounds: 7 | 10, out: 4 words): one Philox4x32-R block of
// any counter, for the generator's known-answer tests.
void philoxBlock(const Napi::CallbackInfo& info);

}  // namespace binding
}  // namespace simd_dropout

#endif  // SIMD_DROPOUT_BINDING_H_
