// Module init only: choose the kernels once, then export the entry points and the ISA name.
#include <napi.h>

#include "binding.h"
#include "dispatch.h"
#include "pool.h"

namespace {

// Unqualified, because NODE_API_MODULE pastes the name into an identifier.
Napi::Object init(Napi::Env env, Napi::Object exports) {
  namespace binding = simd_dropout::binding;
  const simd_dropout::IsaSelection& selection = simd_dropout::isaSelection();
  // An unusable SIMD_DROPOUT_ISA makes require() throw rather than silently fall back.
  if (selection.isa == nullptr) throw Napi::Error::New(env, selection.error);

  exports.Set("isa", Napi::String::New(env, selection.isa->name));
  // Each entry point under its own name (the C++ function and the exported property agree).
#define SIMD_DROPOUT_EXPORT(name) \
  exports.Set(#name, Napi::Function::New<binding::name>(env, #name))
  SIMD_DROPOUT_EXPORT(dropoutFused);
  SIMD_DROPOUT_EXPORT(generateMask);
  SIMD_DROPOUT_EXPORT(applyMask);
  SIMD_DROPOUT_EXPORT(gaussianNoise);
  SIMD_DROPOUT_EXPORT(biasDropoutAdd);
  SIMD_DROPOUT_EXPORT(columnSums);
  SIMD_DROPOUT_EXPORT(scale);
  SIMD_DROPOUT_EXPORT(randomWords);
  SIMD_DROPOUT_EXPORT(normalValues);
  SIMD_DROPOUT_EXPORT(philoxBlock);
  SIMD_DROPOUT_EXPORT(dropoutFusedAsync);
  SIMD_DROPOUT_EXPORT(generateMaskAsync);
  SIMD_DROPOUT_EXPORT(applyMaskAsync);
  SIMD_DROPOUT_EXPORT(scaleAsync);
  SIMD_DROPOUT_EXPORT(threadInfo);
  SIMD_DROPOUT_EXPORT(setThreads);
#undef SIMD_DROPOUT_EXPORT

  // The thread pool is shared by every environment (main thread, worker_threads) that loads the
  // addon; the last one to be torn down stops its threads.
  simd_dropout::pool::retain();
  env.AddCleanupHook([] { simd_dropout::pool::release(); });
  return exports;
}

}  // namespace

NODE_API_MODULE(simd_dropout, init)
