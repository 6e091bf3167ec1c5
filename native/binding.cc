#include "binding.h"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>

#include "dispatch.h"
#include "kernels.h"
#include "philox.h"

// Typed arrays are read in place (TypedArrayOf<T>::Data() already applies the byte offset;
// a detached buffer reads as null with length 0). Their pointers and lengths are taken
// only after every step that can run JavaScript, so nothing can resize or detach them
// between the checks and the kernel.
namespace simd_dropout {
namespace binding {
namespace {

constexpr double kMaxUint32 = 4294967295.0;
constexpr double kTwoPow32 = 4294967296.0;
constexpr double kMaxSafeInteger = 9007199254740991.0;
constexpr uint64_t kMaxUint64 = std::numeric_limits<uint64_t>::max();
constexpr size_t kWordBits = 32;

[[noreturn]] void throwTypeError(Napi::Env env, const std::string& message) {
  throw Napi::TypeError::New(env, message);
}

[[noreturn]] void throwRangeError(Napi::Env env, const std::string& message) {
  throw Napi::RangeError::New(env, message);
}

[[noreturn]] void throwNotInteger(Napi::Env env, bool isNumber, const char* name, int element,
                                 const char* range) {
  std::string message = name;
  if (element >= 0) message += "[" + std::to_string(element) + "]";
  message += std::string(" must be an integer in ") + range;
  if (isNumber) throwRangeError(env, message);
  throwTypeError(env, message);
}

// A JS number that must be an integer in [0, max]. `range` spells the interval for the
// message; `element` >= 0 names an array element (name[element]).
uint64_t integerValue(Napi::Env env, const Napi::Value& value, const char* name, double max,
                      const char* range, int element = -1) {
  if (!value.IsNumber()) throwNotInteger(env, false, name, element, range);
  const double d = value.As<Napi::Number>().DoubleValue();
  // Written so that NaN fails too.
  if (!(d >= 0 && d <= max && std::trunc(d) == d)) throwNotInteger(env, true, name, element, range);
  return static_cast<uint64_t>(d);
}

uint32_t uint32Arg(const Napi::CallbackInfo& info, size_t index, const char* name) {
  return static_cast<uint32_t>(
      integerValue(info.Env(), info[index], name, kMaxUint32, "[0, 2**32 - 1]"));
}

uint64_t safeIntegerValue(Napi::Env env, const Napi::Value& value, const char* name,
                          int element = -1) {
  return integerValue(env, value, name, kMaxSafeInteger, "[0, 2**53 - 1]", element);
}

double numberArg(const Napi::CallbackInfo& info, size_t index, const char* name) {
  if (!info[index].IsNumber()) throwTypeError(info.Env(), std::string(name) + " must be a number");
  return info[index].As<Napi::Number>().DoubleValue();
}

// keyLo, keyHi, streamLo, streamHi, offsetLo, offsetHi starting at argument `first`.
MaskStream streamArgs(const Napi::CallbackInfo& info, size_t first) {
  MaskStream stream{};
  stream.keyLo = uint32Arg(info, first, "keyLo");
  stream.keyHi = uint32Arg(info, first + 1, "keyHi");
  stream.streamLo = uint32Arg(info, first + 2, "streamLo");
  stream.streamHi = uint32Arg(info, first + 3, "streamHi");
  const uint64_t offsetLo = uint32Arg(info, first + 4, "offsetLo");
  const uint64_t offsetHi = uint32Arg(info, first + 5, "offsetHi");
  stream.offset = offsetHi << 32 | offsetLo;
  return stream;
}

uint64_t dropThresholdArg(const Napi::CallbackInfo& info, size_t index) {
  return integerValue(info.Env(), info[index], "dropThreshold", kTwoPow32, "[0, 2**32]");
}

// The global indices offset .. offset + count - 1 must not wrap past 2^64 - 1.
void checkNoWrap(Napi::Env env, uint64_t offset, uint64_t count, const char* countName) {
  if (count != 0 && count - 1 > kMaxUint64 - offset) {
    throwRangeError(env, std::string("offset + ") + countName + " - 1 exceeds 2**64 - 1");
  }
}

uint64_t wordsFor(uint64_t bits) { return bits / kWordBits + (bits % kWordBits != 0 ? 1 : 0); }

void checkWords(Napi::Env env, const char* name, size_t have, uint64_t need) {
  if (have < need) {
    throwRangeError(env, std::string(name) + " is too short: need " + std::to_string(need) +
                             (need == 1 ? " word, got " : " words, got ") + std::to_string(have));
  }
}

bool overlaps(const void* a, size_t aBytes, const void* b, size_t bBytes) {
  const uintptr_t pa = reinterpret_cast<uintptr_t>(a);
  const uintptr_t pb = reinterpret_cast<uintptr_t>(b);
  return aBytes != 0 && bBytes != 0 && pa < pb + bBytes && pb < pa + aBytes;
}

// Throws unless `value` is a Float32Array or Float64Array; returns which.
napi_typedarray_type floatArrayType(Napi::Env env, const Napi::Value& value) {
  if (value.IsTypedArray()) {
    const napi_typedarray_type type = value.As<Napi::TypedArray>().TypedArrayType();
    if (type == napi_float32_array || type == napi_float64_array) return type;
  }
  throwTypeError(env, "x must be a Float32Array or Float64Array");
}

template <typename T>
struct FloatViews {
  const T* x;
  T* out;
  size_t length;
};

// x (already known to hold T) and out: same type and length, and out is either x's exact
// range (in place) or disjoint from it.
template <typename T>
FloatViews<T> floatViews(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const auto x = info[0].As<Napi::TypedArrayOf<T>>();
  const char* const mismatch = "out must have the same type and length as x";
  if (!info[1].IsTypedArray() ||
      info[1].As<Napi::TypedArray>().TypedArrayType() != x.TypedArrayType()) {
    throwTypeError(env, mismatch);
  }
  auto out = info[1].As<Napi::TypedArrayOf<T>>();
  if (out.ElementLength() != x.ElementLength()) throwRangeError(env, mismatch);
  const size_t bytes = x.ElementLength() * sizeof(T);
  if (x.Data() != out.Data() && overlaps(x.Data(), bytes, out.Data(), bytes)) {
    throwRangeError(env, "out must be x itself or not overlap x");
  }
  return {x.Data(), out.Data(), x.ElementLength()};
}

Napi::Uint32Array uint32ArrayArg(const Napi::CallbackInfo& info, size_t index,
                                 const char* message) {
  const Napi::Value value = info[index];
  if (!value.IsTypedArray() ||
      value.As<Napi::TypedArray>().TypedArrayType() != napi_uint32_array) {
    throwTypeError(info.Env(), message);
  }
  return value.As<Napi::Uint32Array>();
}

// A Uint32Array argument of exactly `length` words.
Napi::Uint32Array wordsArg(const Napi::CallbackInfo& info, size_t index, const char* name,
                           size_t length) {
  const std::string message =
      std::string(name) + " must be a Uint32Array of " + std::to_string(length) + " words";
  Napi::Uint32Array words = uint32ArrayArg(info, index, message.c_str());
  if (words.ElementLength() != length) throwRangeError(info.Env(), message);
  return words;
}

template <typename T>
void dropoutFusedTyped(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const FloatViews<T> views = floatViews<T>(info);
  uint32_t* maskBits = nullptr;
  if (!info[2].IsNull()) {
    Napi::Uint32Array mask = uint32ArrayArg(info, 2, "maskBits must be a Uint32Array or null");
    checkWords(env, "maskBits", mask.ElementLength(), wordsFor(views.length));
    const size_t maskBytes = mask.ElementLength() * sizeof(uint32_t);
    const size_t bytes = views.length * sizeof(T);
    if (overlaps(mask.Data(), maskBytes, views.x, bytes) ||
        overlaps(mask.Data(), maskBytes, views.out, bytes)) {
      throwRangeError(env, "maskBits must not overlap x or out");
    }
    maskBits = mask.Data();
  }
  MaskStream stream = streamArgs(info, 3);
  stream.dropThreshold = dropThresholdArg(info, 9);
  const double scale = numberArg(info, 10, "scale");
  checkNoWrap(env, stream.offset, views.length, "x.length");

  const KernelTable& kernels = activeKernels();
  if constexpr (std::is_same_v<T, float>) {
    kernels.dropoutFusedF32(views.x, views.out, maskBits, views.length, stream,
                            static_cast<float>(scale));
  } else {
    kernels.dropoutFusedF64(views.x, views.out, maskBits, views.length, stream, scale);
  }
}

// dims (info[4]) and maskStrides (info[5]) into a Layout; checked against x later.
Layout layoutArgs(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const char* const dimsMessage = "dims must be an array of 1 to 32 integers";
  const char* const stridesMessage = "maskStrides must be an array of the same length as dims";
  if (!info[4].IsArray()) throwTypeError(env, dimsMessage);
  if (!info[5].IsArray()) throwTypeError(env, stridesMessage);
  const auto dims = info[4].As<Napi::Array>();
  const auto strides = info[5].As<Napi::Array>();
  const uint32_t rank = dims.Length();
  if (rank < 1 || rank > kMaxRank) throwRangeError(env, dimsMessage);
  if (strides.Length() != rank) throwRangeError(env, stridesMessage);

  Layout layout{};
  layout.rank = static_cast<int>(rank);
  for (uint32_t d = 0; d < rank; ++d) {
    const int element = static_cast<int>(d);
    layout.dims[d] = safeIntegerValue(env, dims.Get(d), "dims", element);
    layout.maskStrides[d] = safeIntegerValue(env, strides.Get(d), "maskStrides", element);
  }
  return layout;
}

// Whether the product of dims is length, without overflowing.
bool dimsProductIs(const Layout& layout, uint64_t length) {
  for (int d = 0; d < layout.rank; ++d) {
    if (layout.dims[d] == 0) return length == 0;
  }
  uint64_t product = 1;
  for (int d = 0; d < layout.rank; ++d) {
    if (product > length / layout.dims[d]) return false;
    product *= layout.dims[d];
  }
  return product == length;
}

void checkLayout(Napi::Env env, const Layout& layout, size_t length, size_t maskWords) {
  if (!dimsProductIs(layout, length)) {
    throwRangeError(env,
                    "the product of dims must equal x.length (" + std::to_string(length) + ")");
  }
  if (length == 0) return;

  // The largest mask index is sum((dims[d] - 1) * maskStrides[d]); it must be a valid bit.
  uint64_t maxIndex = 0;
  for (int d = 0; d < layout.rank; ++d) {
    const uint64_t span = layout.dims[d] - 1;
    const uint64_t stride = layout.maskStrides[d];
    if (span != 0 && stride > (kMaxUint64 - maxIndex) / span) {
      throwRangeError(env,
                      "maskBits is too short: dims and maskStrides reach mask indices past 2**64");
    }
    maxIndex += span * stride;
  }
  checkWords(env, "maskBits", maskWords, maxIndex / kWordBits + 1);
}

template <typename T>
void applyMaskTyped(const Napi::CallbackInfo& info, double scale, const Layout& layout) {
  const Napi::Env env = info.Env();
  const FloatViews<T> views = floatViews<T>(info);
  Napi::Uint32Array mask = uint32ArrayArg(info, 2, "maskBits must be a Uint32Array");
  const size_t maskBytes = mask.ElementLength() * sizeof(uint32_t);
  if (overlaps(mask.Data(), maskBytes, views.out, views.length * sizeof(T))) {
    throwRangeError(env, "out must not overlap maskBits");
  }
  checkLayout(env, layout, views.length, mask.ElementLength());

  const KernelTable& kernels = activeKernels();
  if constexpr (std::is_same_v<T, float>) {
    kernels.applyMaskF32(views.x, views.out, mask.Data(), static_cast<float>(scale), layout);
  } else {
    kernels.applyMaskF64(views.x, views.out, mask.Data(), scale, layout);
  }
}

}  // namespace

void dropoutFused(const Napi::CallbackInfo& info) {
  if (floatArrayType(info.Env(), info[0]) == napi_float32_array) {
    dropoutFusedTyped<float>(info);
  } else {
    dropoutFusedTyped<double>(info);
  }
}

void generateMask(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  Napi::Uint32Array mask = uint32ArrayArg(info, 0, "maskBits must be a Uint32Array");
  const uint64_t count = safeIntegerValue(env, info[1], "count");
  MaskStream stream = streamArgs(info, 2);
  stream.dropThreshold = dropThresholdArg(info, 8);
  checkWords(env, "maskBits", mask.ElementLength(), wordsFor(count));
  checkNoWrap(env, stream.offset, count, "count");
  // Only a 32-bit size_t can fail this: count <= 32 * maskBits.length.
  if (static_cast<size_t>(count) != count) {
    throwRangeError(env, "count is too large for this platform");
  }
  activeKernels().generateMask(mask.Data(), static_cast<size_t>(count), stream);
}

void applyMask(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const napi_typedarray_type type = floatArrayType(env, info[0]);
  const double scale = numberArg(info, 3, "scale");
  // Reading array elements can run JavaScript (getters), so it happens before any typed
  // array's pointer or length is taken.
  const Layout layout = layoutArgs(info);
  if (type == napi_float32_array) {
    applyMaskTyped<float>(info, scale, layout);
  } else {
    applyMaskTyped<double>(info, scale, layout);
  }
}

void randomWords(const Napi::CallbackInfo& info) {
  Napi::Uint32Array words = uint32ArrayArg(info, 0, "words must be a Uint32Array");
  const MaskStream stream = streamArgs(info, 1);
  checkNoWrap(info.Env(), stream.offset, words.ElementLength(), "words.length");
  activeKernels().randomWords(words.Data(), words.ElementLength(), stream);
}

void philoxBlock(const Napi::CallbackInfo& info) {
  const Napi::Uint32Array counter = wordsArg(info, 0, "counter", 4);
  const Napi::Uint32Array key = wordsArg(info, 1, "key", 2);
  const uint64_t rounds = integerValue(info.Env(), info[2], "rounds", 10, "[7, 10]");
  if (rounds != 7 && rounds != 10) throwRangeError(info.Env(), "rounds must be 7 or 10");
  Napi::Uint32Array out = wordsArg(info, 3, "out", 4);
  const philox::Counter c = {counter[0], counter[1], counter[2], counter[3]};
  const philox::Key k = {key[0], key[1]};
  const philox::Counter result =
      rounds == 7 ? philox::philox4x32<7>(c, k) : philox::philox4x32_10(c, k);
  for (size_t i = 0; i < 4; ++i) out[i] = result[i];
}

}  // namespace binding
}  // namespace simd_dropout
