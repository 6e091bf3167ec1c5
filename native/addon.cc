// Module init only: choose the kernels once, then export the entry points and the ISA name.
#include <napi.h>

#include "binding.h"
#include "dispatch.h"

namespace {

// Unqualified, because NODE_API_MODULE pastes the name into an identifier.
Napi::Object init(Napi::Env env, Napi::Object exports) {
  namespace binding = simd_dropout::binding;
  const simd_dropout::IsaSelection& selection = simd_dropout::isaSelection();
  // An unusable SIMD_DROPOUT_ISA makes require() throw rather than silently fall back.
  if (selection.isa == nullptr) throw Napi::Error::New(env, selection.error);

  exports.Set("isa", Napi::String::New(env, selection.isa->name));
  exports.Set("dropoutFused", Napi::Function::New<binding::dropoutFused>(env, "dropoutFused"));
  exports.Set("generateMask", Napi::Function::New<binding::generateMask>(env, "generateMask"));
  exports.Set("applyMask", Napi::Function::New<binding::applyMask>(env, "applyMask"));
  exports.Set("randomWords", Napi::Function::New<binding::randomWords>(env, "randomWords"));
  exports.Set("philoxBlock", Napi::Function::New<binding::philoxBlock>(env, "philoxBlock"));
  return exports;
}

}  // namespace

NODE_API_MODULE(simd_dropout, init)
