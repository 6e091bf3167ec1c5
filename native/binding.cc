#include "binding.h"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <numeric>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "async.h"
#include "dispatch.h"
#include "kernels.h"
#include "philox.h"
#include "pool.h"

// Typed arrays are read in place (napi_get_typedarray_info applies the byte offset; a detached
// buffer reads as null with length 0). Their pointers and lengths are taken only after every
// step that can run JavaScript, so nothing can resize or detach them between the checks and the
// kernel.
//
// The checks are written for small calls, whose cost is mostly the crossing: one
// napi_get_typedarray_info per array (about 70 ns each, the largest cost), and error messages
// built only when they are thrown.
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

// A typed array's elements in place.
template <typename T>
struct Span {
  T* data;
  size_t length;
  size_t bytes() const { return length * sizeof(T); }
};

template <typename A, typename B>
bool overlaps(Span<A> a, Span<B> b) {
  const uintptr_t pa = reinterpret_cast<uintptr_t>(a.data);
  const uintptr_t pb = reinterpret_cast<uintptr_t>(b.data);
  return a.bytes() != 0 && b.bytes() != 0 && pa < pb + b.bytes() && pb < pa + a.bytes();
}

// out may be `in` itself (same start and, as checked before, the same length) or disjoint.
template <typename T>
void checkInPlaceOrDisjoint(Napi::Env env, Span<T> out, Span<const T> in, const char* inName) {
  if (out.data != in.data && overlaps(out, in)) {
    throwRangeError(env, std::string("out must be ") + inName + " itself or not overlap " + inName);
  }
}

// A written Span<T> as a read-only one, for the overlap checks.
template <typename T>
Span<const T> readOnly(Span<T> span) {
  return {span.data, span.length};
}

// The typed array type that holds T.
template <typename T>
constexpr napi_typedarray_type arrayTypeOf() {
  if constexpr (std::is_same_v<T, float>) {
    return napi_float32_array;
  } else if constexpr (std::is_same_v<T, double>) {
    return napi_float64_array;
  } else {
    static_assert(std::is_same_v<T, uint32_t>, "arrays hold float, double or uint32_t");
    return napi_uint32_array;
  }
}

// info[index] as a typed array of T, in one N-API call; false when it is anything else.
template <typename T>
bool typedArrayOf(const Napi::CallbackInfo& info, size_t index, Span<T>* span) {
  napi_typedarray_type type = napi_int8_array;
  size_t length = 0;
  void* data = nullptr;
  if (napi_get_typedarray_info(info.Env(), info[index], &type, &length, &data, nullptr,
                               nullptr) != napi_ok ||
      type != arrayTypeOf<T>()) {
    return false;
  }
  *span = {static_cast<T*>(data), length};
  return true;
}

// info[index] as a typed array of T, or a TypeError with `message`.
template <typename T>
Span<T> typedArrayArg(const Napi::CallbackInfo& info, size_t index, const char* message) {
  Span<T> span{};
  if (!typedArrayOf(info, index, &span)) throwTypeError(info.Env(), message);
  return span;
}

// Whether info[index] is a Float32Array (true) or a Float64Array (false); throws otherwise.
bool isFloat32Arg(const Napi::CallbackInfo& info, size_t index, const char* name) {
  napi_typedarray_type type = napi_int8_array;
  // (without a data pointer, N-API need not materialise an on-heap array's buffer)
  if (napi_get_typedarray_info(info.Env(), info[index], &type, nullptr, nullptr, nullptr,
                               nullptr) == napi_ok) {
    if (type == napi_float32_array) return true;
    if (type == napi_float64_array) return false;
  }
  throwTypeError(info.Env(), std::string(name) + " must be a Float32Array or Float64Array");
}

// info[index] as a T array of `length` elements (the length of `like`): a TypeError for
// another type, a RangeError for another length, both "<name> must have the same type and
// length as <like>".
template <typename T>
Span<T> sameTypeAndLengthArg(const Napi::CallbackInfo& info, size_t index, const char* name,
                             const char* like, size_t length) {
  const auto message = [&] {
    return std::string(name) + " must have the same type and length as " + like;
  };
  Span<T> array{};
  if (!typedArrayOf(info, index, &array)) throwTypeError(info.Env(), message());
  if (array.length != length) throwRangeError(info.Env(), message());
  return array;
}

// A written mask argument: null, or a Uint32Array of at least ceil(n / 32) words that
// overlaps none of `others` (else a RangeError with `overlapMessage`).
template <typename T>
uint32_t* maskOutArg(const Napi::CallbackInfo& info, size_t index, size_t n,
                     std::initializer_list<Span<const T>> others, const char* overlapMessage) {
  if (info[index].IsNull()) return nullptr;
  const Span<uint32_t> mask =
      typedArrayArg<uint32_t>(info, index, "maskBits must be a Uint32Array or null");
  checkWords(info.Env(), "maskBits", mask.length, wordsFor(n));
  for (const Span<const T>& other : others) {
    if (overlaps(mask, other)) throwRangeError(info.Env(), overlapMessage);
  }
  return mask.data;
}

template <typename T>
struct FloatViews {
  Span<const T> x;
  Span<T> out;
};

// x (info[0], already known to hold T) and out (info[1]): same type and length, and out is
// either x's exact range (in place) or disjoint from it.
template <typename T>
FloatViews<T> floatViews(const Napi::CallbackInfo& info) {
  const Span<T> x = typedArrayArg<T>(info, 0, "x must be a Float32Array or Float64Array");
  const Span<T> out = sameTypeAndLengthArg<T>(info, 1, "out", "x", x.length);
  checkInPlaceOrDisjoint(info.Env(), out, readOnly(x), "x");
  return {readOnly(x), out};
}

// A Uint32Array argument of exactly `length` words.
Span<uint32_t> wordsArg(const Napi::CallbackInfo& info, size_t index, const char* name,
                        size_t length) {
  const auto message = [&] {
    return std::string(name) + " must be a Uint32Array of " + std::to_string(length) + " words";
  };
  Span<uint32_t> words{};
  if (!typedArrayOf(info, index, &words)) throwTypeError(info.Env(), message());
  if (words.length != length) throwRangeError(info.Env(), message());
  return words;
}

// scale, shift (a number, or null for no add) and dropValue, from argument `first` on.
KeepTransform transformArgs(const Napi::CallbackInfo& info, size_t first) {
  KeepTransform transform{};
  transform.scale = numberArg(info, first, "scale");
  const Napi::Value shift = info[first + 1];
  if (shift.IsNull()) {
    transform.hasShift = false;
  } else if (shift.IsNumber()) {
    transform.hasShift = true;
    transform.shift = shift.As<Napi::Number>().DoubleValue();
  } else {
    throwTypeError(info.Env(), "shift must be a number or null");
  }
  transform.dropValue = numberArg(info, first + 2, "dropValue");
  return transform;
}

NoiseMode modeArg(const Napi::CallbackInfo& info, size_t index) {
  const char* const message = "mode must be 'multiply' or 'add'";
  if (!info[index].IsString()) throwTypeError(info.Env(), message);
  const std::string mode = info[index].As<Napi::String>().Utf8Value();
  if (mode == "multiply") return NoiseMode::kMultiply;
  if (mode == "add") return NoiseMode::kAdd;
  throwRangeError(info.Env(), message);
}

// The threads argument (info[index]): the most threads to run on (pool::forEachRange; more than
// the cores is allowed and means all of them). undefined is 1.
uint64_t threadsArg(const Napi::CallbackInfo& info, size_t index) {
  if (info[index].IsUndefined()) return 1;
  const uint64_t threads =
      integerValue(info.Env(), info[index], "threads", kMaxSafeInteger, "[1, 2**53 - 1]");
  if (threads == 0) throwRangeError(info.Env(), "threads must be an integer in [1, 2**53 - 1]");
  return threads;
}

// The jobs: every argument checked, as plain data, and a run() that splits the work on the
// pool. Each range is the same kernel on a sub-range [begin, end): the arrays advanced by begin,
// the mask by begin / 32 words, the stream's offset by begin. Ranges start at multiples of 32
// (mask words are never shared) and every element is a function of its global index, so any
// split gives the same bits.

// The shortest range worth a task of its own, in elements.
constexpr uint64_t kMinChunk = 1024;

template <typename T>
struct DropoutFusedJob {
  const T* x;
  T* out;
  uint32_t* maskBits;
  size_t n;
  MaskStream stream;
  KeepTransform transform;
  uint64_t threads;

  void run() const {
    const DropoutFused<T> kernel = activeKernels().of<T>().dropoutFused;
    pool::forEachRange(n, kWordBits, threads, kMinChunk, [&](uint64_t begin, uint64_t end) {
      MaskStream part = stream;
      part.offset += begin;
      kernel(x + begin, out + begin, maskBits == nullptr ? nullptr : maskBits + begin / kWordBits,
             end - begin, part, transform);
    });
  }
};

template <typename T>
DropoutFusedJob<T> dropoutFusedJob(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const uint64_t threads = threadsArg(info, 13);
  const FloatViews<T> views = floatViews<T>(info);
  uint32_t* maskBits = maskOutArg<T>(info, 2, views.x.length, {views.x, readOnly(views.out)},
                                     "maskBits must not overlap x or out");
  MaskStream stream = streamArgs(info, 3);
  stream.dropThreshold = dropThresholdArg(info, 9);
  const KeepTransform transform = transformArgs(info, 10);
  checkNoWrap(env, stream.offset, views.x.length, "x.length");
  return {views.x.data, views.out.data, maskBits, views.x.length, stream, transform, threads};
}

struct GenerateMaskJob {
  uint32_t* maskBits;
  size_t count;
  MaskStream stream;
  uint64_t threads;

  void run() const {
    const GenerateMask kernel = activeKernels().generateMask;
    pool::forEachRange(count, kWordBits, threads, kMinChunk, [&](uint64_t begin, uint64_t end) {
      MaskStream part = stream;
      part.offset += begin;
      kernel(maskBits + begin / kWordBits, end - begin, part);
    });
  }
};

GenerateMaskJob generateMaskJob(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const uint64_t threads = threadsArg(info, 9);
  const Span<uint32_t> mask = typedArrayArg<uint32_t>(info, 0, "maskBits must be a Uint32Array");
  const uint64_t count = safeIntegerValue(env, info[1], "count");
  MaskStream stream = streamArgs(info, 2);
  stream.dropThreshold = dropThresholdArg(info, 8);
  checkWords(env, "maskBits", mask.length, wordsFor(count));
  checkNoWrap(env, stream.offset, count, "count");
  // Only a 32-bit size_t can fail this: count <= 32 * maskBits.length.
  if (static_cast<size_t>(count) != count) {
    throwRangeError(env, "count is too large for this platform");
  }
  return {mask.data, static_cast<size_t>(count), stream, threads};
}

// dims (info[first]) and maskStrides (info[first + 1]) into a Layout; checked against x
// later. Both null is the elementwise layout, dims [x.length] and maskStrides [1] (rank 0 here
// until x's length is known): reading array elements is the costliest part of a small call.
Layout layoutArgs(const Napi::CallbackInfo& info, size_t first) {
  const Napi::Env env = info.Env();
  const char* const dimsMessage = "dims must be an array of 1 to 32 integers, or null";
  const char* const stridesMessage =
      "maskStrides must be an array of the same length as dims, or null with dims";
  if (info[first].IsNull() && info[first + 1].IsNull()) return Layout{};
  if (!info[first].IsArray()) throwTypeError(env, dimsMessage);
  if (!info[first + 1].IsArray()) throwTypeError(env, stridesMessage);
  const auto dims = info[first].As<Napi::Array>();
  const auto strides = info[first + 1].As<Napi::Array>();
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

// applyMask splits the outermost axis: range [begin, end) of dims[0] is the layout with
// dims[0] = end - begin over x + begin * (x.length / dims[0]), whose mask indices start at
// begin * maskStrides[0]. That must be a whole number of words, so begin is a multiple of
// 32 / gcd(maskStrides[0], 32) (any begin when the axis is broadcast, stride 0).
template <typename T>
struct ApplyMaskJob {
  const T* x;
  T* out;
  const uint32_t* maskBits;
  size_t n;
  KeepTransform transform;
  Layout layout;
  uint64_t threads;

  void run() const {
    const ApplyMask<T> kernel = activeKernels().of<T>().applyMask;
    if (n == 0) {
      kernel(x, out, maskBits, transform, layout);
      return;
    }
    const uint64_t rows = layout.dims[0];
    const uint64_t rowLength = n / rows;
    const uint64_t stride = layout.maskStrides[0];
    const uint64_t align = kWordBits / std::gcd(stride % kWordBits, uint64_t{kWordBits});
    const uint64_t minRows = kMinChunk / rowLength + 1;
    pool::forEachRange(rows, align, threads, minRows, [&](uint64_t begin, uint64_t end) {
      Layout part = layout;
      part.dims[0] = end - begin;
      kernel(x + begin * rowLength, out + begin * rowLength, maskBits + begin * stride / kWordBits,
             transform, part);
    });
  }
};

template <typename T>
ApplyMaskJob<T> applyMaskJobTyped(const Napi::CallbackInfo& info, const KeepTransform& transform,
                                  Layout layout, uint64_t threads) {
  const Napi::Env env = info.Env();
  const FloatViews<T> views = floatViews<T>(info);
  const Span<uint32_t> mask = typedArrayArg<uint32_t>(info, 2, "maskBits must be a Uint32Array");
  if (overlaps(mask, views.out)) throwRangeError(env, "out must not overlap maskBits");
  if (layout.rank == 0) {  // elementwise (null, null)
    layout.rank = 1;
    layout.dims[0] = views.x.length;
    layout.maskStrides[0] = 1;
  }
  checkLayout(env, layout, views.x.length, mask.length);
  return {views.x.data, views.out.data, mask.data, views.x.length, transform, layout, threads};
}

template <typename T>
struct GaussianNoiseJob {
  const T* x;
  T* out;
  size_t n;
  MaskStream stream;
  double stddev;
  NoiseMode mode;
  uint64_t threads;

  void run() const {
    const GaussianNoise<T> kernel = activeKernels().of<T>().gaussianNoise;
    pool::forEachRange(n, kWordBits, threads, kMinChunk, [&](uint64_t begin, uint64_t end) {
      MaskStream part = stream;
      part.offset += begin;
      kernel(x + begin, out + begin, end - begin, part, stddev, mode);
    });
  }
};

template <typename T>
GaussianNoiseJob<T> gaussianNoiseJob(const Napi::CallbackInfo& info) {
  const uint64_t threads = threadsArg(info, 10);
  const FloatViews<T> views = floatViews<T>(info);
  const MaskStream stream = streamArgs(info, 2);
  const double stddev = numberArg(info, 8, "stddev");
  const NoiseMode mode = modeArg(info, 9);
  checkNoWrap(info.Env(), stream.offset, views.x.length, "x.length");
  return {views.x.data, views.out.data, views.x.length, stream, stddev, mode, threads};
}

// biasDropoutAdd indexes bias by the local index, so a range must also start at a multiple of
// bias.length: ranges start at multiples of lcm(32, bias.length).
template <typename T>
struct BiasDropoutAddJob {
  const T* x;
  const T* bias;
  size_t biasLength;
  const T* residual;
  T* out;
  uint32_t* maskBits;
  size_t n;
  MaskStream stream;
  T scale;
  uint64_t threads;

  void run() const {
    const BiasDropoutAdd<T> kernel = activeKernels().of<T>().biasDropoutAdd;
    const uint64_t columns = biasLength == 0 ? 1 : biasLength;
    const uint64_t align = columns / std::gcd(columns, uint64_t{kWordBits}) * kWordBits;
    pool::forEachRange(n, align, threads, kMinChunk, [&](uint64_t begin, uint64_t end) {
      MaskStream part = stream;
      part.offset += begin;
      kernel(x + begin, bias, biasLength, residual + begin, out + begin,
             maskBits == nullptr ? nullptr : maskBits + begin / kWordBits, end - begin, part,
             scale);
    });
  }
};

template <typename T>
BiasDropoutAddJob<T> biasDropoutAddJob(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const uint64_t threads = threadsArg(info, 13);
  const Span<const T> x =
      readOnly(typedArrayArg<T>(info, 0, "x must be a Float32Array or Float64Array"));
  const size_t n = x.length;
  const Span<const T> bias =
      readOnly(typedArrayArg<T>(info, 1, "bias must have the same type as x"));
  const Span<const T> residual = readOnly(sameTypeAndLengthArg<T>(info, 2, "residual", "x", n));
  const Span<T> out = sameTypeAndLengthArg<T>(info, 3, "out", "x", n);
  checkInPlaceOrDisjoint(env, out, x, "x");
  checkInPlaceOrDisjoint(env, out, residual, "residual");
  if (overlaps(out, bias)) throwRangeError(env, "out must not overlap bias");
  if (n != 0 && (bias.length == 0 || n % bias.length != 0)) {
    throwRangeError(env, "bias.length must be at least 1 and divide x.length (" +
                             std::to_string(n) + ")");
  }
  uint32_t* maskBits = maskOutArg<T>(info, 4, n, {x, bias, residual, readOnly(out)},
                                     "maskBits must not overlap x, bias, residual or out");
  MaskStream stream = streamArgs(info, 5);
  stream.dropThreshold = dropThresholdArg(info, 11);
  const double scale = numberArg(info, 12, "scale");
  checkNoWrap(env, stream.offset, n, "x.length");
  return {x.data, bias.data, bias.length, residual.data, out.data, maskBits, n, stream,
          static_cast<T>(scale), threads};
}

// columnSums runs on the calling thread: a task would be a range of columns, and the kernel
// takes no row stride to sum a range of columns with.
template <typename T>
void columnSumsTyped(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const Span<const T> rows =
      readOnly(typedArrayArg<T>(info, 0, "rows must be a Float32Array or Float64Array"));
  const Span<T> out = typedArrayArg<T>(info, 1, "out must have the same type as rows");
  if (out.length == 0 || rows.length % out.length != 0) {
    throwRangeError(env, "out.length must be at least 1 and divide rows.length (" +
                             std::to_string(rows.length) + ")");
  }
  if (overlaps(out, rows)) throwRangeError(env, "out must not overlap rows");
  activeKernels().of<T>().columnSums(rows.data, rows.length / out.length, out.data, out.length);
}

template <typename T>
struct ScaleJob {
  const T* x;
  T* out;
  size_t n;
  T factor;
  uint64_t threads;

  void run() const {
    const Scale<T> kernel = activeKernels().of<T>().scale;
    pool::forEachRange(n, kWordBits, threads, kMinChunk, [&](uint64_t begin, uint64_t end) {
      kernel(x + begin, out + begin, end - begin, factor);
    });
  }
};

template <typename T>
ScaleJob<T> scaleJob(const Napi::CallbackInfo& info) {
  const uint64_t threads = threadsArg(info, 3);
  const FloatViews<T> views = floatViews<T>(info);
  const double factor = numberArg(info, 2, "factor");
  return {views.x.data, views.out.data, views.x.length, static_cast<T>(factor), threads};
}

// randomWords and normalValues: one output per global index.
template <typename V, void (*KernelTable::*kKernel)(V*, size_t, const MaskStream&)>
struct StreamJob {
  V* out;
  size_t n;
  MaskStream stream;
  uint64_t threads;

  void run() const {
    const auto kernel = activeKernels().*kKernel;
    pool::forEachRange(n, kWordBits, threads, kMinChunk, [&](uint64_t begin, uint64_t end) {
      MaskStream part = stream;
      part.offset += begin;
      kernel(out + begin, end - begin, part);
    });
  }
};

// Queues a job on the libuv pool and returns its Promise; `arrays` are the arguments to pin.
template <typename Job>
Napi::Value queueJob(Napi::Env env, const Job& job,
                     const std::vector<std::pair<Napi::Value, const char*>>& arrays) {
  return JobWorker<Job>::Start(env, job, arrays);
}

// Parses the job for x's dtype (the first argument, named `first`) and runs it now.
template <template <typename> class Job, Job<float> (*kParse32)(const Napi::CallbackInfo&),
          Job<double> (*kParse64)(const Napi::CallbackInfo&)>
void runTyped(const Napi::CallbackInfo& info, const char* first) {
  if (isFloat32Arg(info, 0, first)) {
    kParse32(info).run();
  } else {
    kParse64(info).run();
  }
}

// The same, on the libuv pool: returns a Promise; `arrays` names the arguments to pin.
template <template <typename> class Job, Job<float> (*kParse32)(const Napi::CallbackInfo&),
          Job<double> (*kParse64)(const Napi::CallbackInfo&)>
Napi::Value queueTyped(const Napi::CallbackInfo& info, const char* first,
                       std::initializer_list<std::pair<size_t, const char*>> arrays) {
  const bool float32 = isFloat32Arg(info, 0, first);
  std::vector<std::pair<Napi::Value, const char*>> pins;
  for (const auto& [index, name] : arrays) pins.emplace_back(info[index], name);
  if (float32) return queueJob(info.Env(), kParse32(info), pins);
  return queueJob(info.Env(), kParse64(info), pins);
}

}  // namespace

void dropoutFused(const Napi::CallbackInfo& info) {
  runTyped<DropoutFusedJob, dropoutFusedJob<float>, dropoutFusedJob<double>>(info, "x");
}

Napi::Value dropoutFusedAsync(const Napi::CallbackInfo& info) {
  return queueTyped<DropoutFusedJob, dropoutFusedJob<float>, dropoutFusedJob<double>>(
      info, "x", {{0, "x"}, {1, "out"}, {2, "maskBits"}});
}

void generateMask(const Napi::CallbackInfo& info) { generateMaskJob(info).run(); }

Napi::Value generateMaskAsync(const Napi::CallbackInfo& info) {
  const GenerateMaskJob job = generateMaskJob(info);
  return queueJob(info.Env(), job, {{info[0], "maskBits"}});
}

namespace {

// applyMask reads its layout (array elements, which can run JavaScript getters) before any
// typed array's pointer or length is taken.
template <typename Then>
auto withApplyMaskJob(const Napi::CallbackInfo& info, Then&& then) {
  const uint64_t threads = threadsArg(info, 8);
  const bool float32 = isFloat32Arg(info, 0, "x");
  const KeepTransform transform = transformArgs(info, 3);
  const Layout layout = layoutArgs(info, 6);
  if (float32) return then(applyMaskJobTyped<float>(info, transform, layout, threads));
  return then(applyMaskJobTyped<double>(info, transform, layout, threads));
}

}  // namespace

void applyMask(const Napi::CallbackInfo& info) {
  withApplyMaskJob(info, [](const auto& job) { job.run(); });
}

Napi::Value applyMaskAsync(const Napi::CallbackInfo& info) {
  return withApplyMaskJob(info, [&](const auto& job) -> Napi::Value {
    return queueJob(info.Env(), job, {{info[0], "x"}, {info[1], "out"}, {info[2], "maskBits"}});
  });
}

void gaussianNoise(const Napi::CallbackInfo& info) {
  runTyped<GaussianNoiseJob, gaussianNoiseJob<float>, gaussianNoiseJob<double>>(info, "x");
}

void biasDropoutAdd(const Napi::CallbackInfo& info) {
  runTyped<BiasDropoutAddJob, biasDropoutAddJob<float>, biasDropoutAddJob<double>>(info, "x");
}

void columnSums(const Napi::CallbackInfo& info) {
  if (isFloat32Arg(info, 0, "rows")) {
    columnSumsTyped<float>(info);
  } else {
    columnSumsTyped<double>(info);
  }
}

void scale(const Napi::CallbackInfo& info) {
  runTyped<ScaleJob, scaleJob<float>, scaleJob<double>>(info, "x");
}

Napi::Value scaleAsync(const Napi::CallbackInfo& info) {
  return queueTyped<ScaleJob, scaleJob<float>, scaleJob<double>>(info, "x",
                                                                  {{0, "x"}, {1, "out"}});
}

void randomWords(const Napi::CallbackInfo& info) {
  const uint64_t threads = threadsArg(info, 7);
  const Span<uint32_t> words = typedArrayArg<uint32_t>(info, 0, "words must be a Uint32Array");
  const MaskStream stream = streamArgs(info, 1);
  checkNoWrap(info.Env(), stream.offset, words.length, "words.length");
  StreamJob<uint32_t, &KernelTable::randomWords>{words.data, words.length, stream, threads}.run();
}

void normalValues(const Napi::CallbackInfo& info) {
  const uint64_t threads = threadsArg(info, 7);
  const Span<double> out = typedArrayArg<double>(info, 0, "out must be a Float64Array");
  const MaskStream stream = streamArgs(info, 1);
  checkNoWrap(info.Env(), stream.offset, out.length, "out.length");
  StreamJob<double, &KernelTable::normalValues>{out.data, out.length, stream, threads}.run();
}

void philoxBlock(const Napi::CallbackInfo& info) {
  const Span<uint32_t> counter = wordsArg(info, 0, "counter", 4);
  const Span<uint32_t> key = wordsArg(info, 1, "key", 2);
  const uint64_t rounds = integerValue(info.Env(), info[2], "rounds", 10, "[7, 10]");
  if (rounds != 7 && rounds != 10) throwRangeError(info.Env(), "rounds must be 7 or 10");
  const Span<uint32_t> out = wordsArg(info, 3, "out", 4);
  const philox::Counter c = {counter.data[0], counter.data[1], counter.data[2], counter.data[3]};
  const philox::Key k = {key.data[0], key.data[1]};
  const philox::Counter result =
      rounds == 7 ? philox::philox4x32<7>(c, k) : philox::philox4x32_10(c, k);
  for (size_t i = 0; i < 4; ++i) out.data[i] = result[i];
}

Napi::Value threadInfo(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  Napi::Object result = Napi::Object::New(env);
  result.Set("maxThreads", Napi::Number::New(env, static_cast<double>(pool::maxThreads())));
  result.Set("threads", Napi::Number::New(env, static_cast<double>(pool::defaultThreads())));
  result.Set("workers", Napi::Number::New(env, static_cast<double>(pool::startedWorkers())));
  return result;
}

void setThreads(const Napi::CallbackInfo& info) {
  const double max = static_cast<double>(pool::maxThreads());
  const std::string range = "[1, " + std::to_string(pool::maxThreads()) + "]";
  const uint64_t threads = integerValue(info.Env(), info[0], "threads", max, range.c_str());
  if (threads == 0) throwRangeError(info.Env(), "threads must be an integer in " + range);
  pool::setDefaultThreads(static_cast<size_t>(threads));
}

}  // namespace binding
}  // namespace simd_dropout
