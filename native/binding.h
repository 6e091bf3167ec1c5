// The N-API entry points. Each one re-checks everything its kernel relies on, throws a
// TypeError or RangeError naming the offending argument, and returns undefined.
#ifndef SIMD_DROPOUT_BINDING_H_
#define SIMD_DROPOUT_BINDING_H_

#include <napi.h>

namespace simd_dropout {
namespace binding {

// (x, out, maskBits | null, keyLo, keyHi, streamLo, streamHi, offsetLo, offsetHi,
//  dropThreshold, scale)
void dropoutFused(const Napi::CallbackInfo& info);

// (maskBits, count, keyLo, keyHi, streamLo, streamHi, offsetLo, offsetHi, dropThreshold)
void generateMask(const Napi::CallbackInfo& info);

// (x, out, maskBits, scale, dims, maskStrides)
void applyMask(const Napi::CallbackInfo& info);

// (words, keyLo, keyHi, streamLo, streamHi, offsetLo, offsetHi)
void randomWords(const Napi::CallbackInfo& info);

// (counter: 4 words, key: 2 words, rounds: 7 | 10, out: 4 words): one Philox4x32-R block of
// any counter, for the generator's known-answer tests.
void philoxBlock(const Napi::CallbackInfo& info);

}  // namespace binding
}  // namespace simd_dropout

#endif  // SIMD_DROPOUT_BINDING_H_
