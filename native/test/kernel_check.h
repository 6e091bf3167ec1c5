// What the standalone kernel tests share (kernel_parity.cc, kernel_fuzz.cc): a Case describes
// one call of one kernel in full; checkCase runs it on a kernel table and on the scalar one,
// on the same inputs, and compares them bit for bit, and checks the outputs that depend only on
// the global index (Philox words, normals, keep decisions) against philox.h and normal.h
// computed directly, element by element.
//
// Plain C++17 and the kernel sources, no Node: it builds with g++, clang++ (with sanitizers)
// and the arm64 cross compiler alike.
#ifndef SIMD_DROPOUT_TEST_KERNEL_CHECK_H_
#define SIMD_DROPOUT_TEST_KERNEL_CHECK_H_

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "kernels.h"
#include "normal.h"
#include "philox.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define KERNEL_CHECK_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) && !defined(KERNEL_CHECK_ASAN)
#define KERNEL_CHECK_ASAN 1
#endif
#ifdef KERNEL_CHECK_ASAN
#include <sanitizer/asan_interface.h>
#endif

namespace kernel_check {

using simd_dropout::FloatKernels;
using simd_dropout::KeepTransform;
using simd_dropout::KernelTable;
using simd_dropout::Layout;
using simd_dropout::MaskStream;
using simd_dropout::NoiseMode;
namespace philox = simd_dropout::philox;

// splitmix64: the tests' own inputs, independent of the library.
struct Random {
  uint64_t state;
  uint64_t next() {
    uint64_t z = (state += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
  }
  size_t below(size_t n) { return static_cast<size_t>(next() % n); }
  double uniform() { return static_cast<double>(next() >> 11) * 0x1p-53; }
};

inline int failures = 0;
inline long checks = 0;

inline void fail(const std::string& message) {
  if (++failures <= 20) std::printf("MISMATCH %s\n", message.c_str());
}

template <typename T>
void expectSame(const T* actual, const T* expected, size_t n, const std::string& what) {
  ++checks;
  if (n == 0 || std::memcmp(actual, expected, n * sizeof(T)) == 0) return;
  size_t i = 0;
  while (std::memcmp(actual + i, expected + i, sizeof(T)) == 0) ++i;
  fail(what + " at " + std::to_string(i) + " of " + std::to_string(n));
}

// Inputs: mostly values in [-8, 8), with a NaN, an infinity, -0 and a subnormal mixed in. One
// NaN payload and one sign of infinity only: where two NaNs meet in one operation, which payload
// survives depends on the operand order the compiler picked, which no kernel promises.
template <typename T>
std::vector<T> values(Random& r, size_t n) {
  std::vector<T> v(n);
  for (size_t i = 0; i < n; ++i) {
    switch (r.below(64)) {
      case 0: v[i] = std::numeric_limits<T>::quiet_NaN(); break;
      case 1: v[i] = -std::numeric_limits<T>::infinity(); break;
      case 2: v[i] = T(-0.0); break;
      case 3: v[i] = std::numeric_limits<T>::denorm_min(); break;
      default: v[i] = static_cast<T>(r.uniform() * 16 - 8);
    }
  }
  return v;
}

// `contents` placed `shift` elements into an allocation, followed by kGuardBytes of guard. The
// gap before the data and the guard after it hold a known pattern, checked when the array goes:
// a kernel that writes outside its array fails the test on any CPU, emulated ones included.
// Under AddressSanitizer both are poisoned too, so that it reports any access there at once (the
// gap only in whole 8-byte granules, all ASan can mark). The shift also misaligns the data.
template <typename T>
class Guarded {
 public:
  Guarded(const std::vector<T>& contents, size_t shift)
      : storage_(new T[shift + contents.size() + kGuardBytes / sizeof(T)]),
        shift_(shift),
        n_(contents.size()) {
    std::copy(contents.begin(), contents.end(), data());
    forEachGuardByte([](unsigned char& byte, unsigned char expected) { byte = expected; });
#ifdef KERNEL_CHECK_ASAN
    ASAN_POISON_MEMORY_REGION(storage_.get(), shift_ * sizeof(T));
    ASAN_POISON_MEMORY_REGION(data() + n_, kGuardBytes);
#endif
  }
  // n elements of the byte `fill`: an output a kernel must write in full.
  Guarded(size_t n, size_t shift, unsigned char fill) : Guarded(filled(n, fill), shift) {}
  ~Guarded() {
#ifdef KERNEL_CHECK_ASAN
    ASAN_UNPOISON_MEMORY_REGION(storage_.get(), shift_ * sizeof(T));
    ASAN_UNPOISON_MEMORY_REGION(data() + n_, kGuardBytes);
#endif
    size_t changed = 0;
    forEachGuardByte([&](unsigned char& byte, unsigned char expected) { changed += byte != expected; });
    if (changed != 0) {
      std::fprintf(stderr,
                   "kernel_check: a kernel wrote outside its array of %zu elements of %zu bytes "
                   "(shift %zu): %zu guard bytes changed\n",
                   n_, sizeof(T), shift_, changed);
      std::abort();
    }
  }
  Guarded(const Guarded&) = delete;
  Guarded& operator=(const Guarded&) = delete;

  T* data() const { return storage_.get() + shift_; }
  std::vector<unsigned char> bytes() const {
    const auto* p = reinterpret_cast<const unsigned char*>(data());
    return {p, p + n_ * sizeof(T)};
  }

 private:
  // Past the end: a 32-element group of doubles, the most a kernel handles at a time.
  static constexpr size_t kGuardBytes = 256;

  // Byte i of the gap and of the guard: a pattern that a stray store is unlikely to repeat.
  static unsigned char pattern(size_t i) { return static_cast<unsigned char>(0xA5 ^ (i * 0x3B)); }

  template <typename F>
  void forEachGuardByte(F&& f) {
    auto* gap = reinterpret_cast<unsigned char*>(storage_.get());
    for (size_t i = 0; i < shift_ * sizeof(T); ++i) f(gap[i], pattern(i));
    auto* guard = reinterpret_cast<unsigned char*>(data() + n_);
    for (size_t i = 0; i < kGuardBytes; ++i) f(guard[i], pattern(i));
  }

  static std::vector<T> filled(size_t n, unsigned char fill) {
    std::vector<T> v(n);
    if (n != 0) std::memset(v.data(), fill, n * sizeof(T));
    return v;
  }

  std::unique_ptr<T[]> storage_;
  size_t shift_;
  size_t n_;
};

// Every kernel of a KernelTable.
enum class Kernel {
  kDropoutFused,
  kApplyMask,
  kGaussianNoise,
  kBiasDropoutAdd,
  kColumnSums,
  kScale,
  kGenerateMask,
  kRandomWords,
  kNormalValues,
};
constexpr Kernel kKernels[] = {Kernel::kDropoutFused,   Kernel::kApplyMask,  Kernel::kGaussianNoise,
                               Kernel::kBiasDropoutAdd, Kernel::kColumnSums, Kernel::kScale,
                               Kernel::kGenerateMask,   Kernel::kRandomWords, Kernel::kNormalValues};
static_assert(sizeof(FloatKernels<float>) == 6 * sizeof(void (*)()) &&
                  sizeof(KernelTable) == 2 * sizeof(FloatKernels<float>) + 3 * sizeof(void (*)()),
              "a kernel was added to or removed from KernelTable: update Kernel and runTyped()");

inline const char* nameOf(Kernel k) {
  switch (k) {
    case Kernel::kDropoutFused: return "dropoutFused";
    case Kernel::kApplyMask: return "applyMask";
    case Kernel::kGaussianNoise: return "gaussianNoise";
    case Kernel::kBiasDropoutAdd: return "biasDropoutAdd";
    case Kernel::kColumnSums: return "columnSums";
    case Kernel::kScale: return "scale";
    case Kernel::kGenerateMask: return "generateMask";
    case Kernel::kRandomWords: return "randomWords";
    case Kernel::kNormalValues: return "normalValues";
  }
  return "?";
}

// Whether the kernel has a float and a double version (the others ignore Case::f64).
inline bool typed(Kernel k) {
  return k != Kernel::kGenerateMask && k != Kernel::kRandomWords && k != Kernel::kNormalValues;
}

// Which input the output is written over.
enum class InPlace { kNone, kX, kResidual };

// One call of one kernel. settle() makes any Case a valid call; the inputs (x, bias, residual,
// applyMask's mask bits) are drawn from dataSeed.
struct Case {
  Kernel kernel = Kernel::kDropoutFused;
  bool f64 = false;
  size_t n = 0;  // elements; applyMask: the product of layout.dims; columnSums: rows * columns
  size_t columns = 1;  // biasDropoutAdd's bias length, columnSums' column count
  MaskStream stream{};
  KeepTransform transform{1, false, 0, 0};
  Layout layout{};  // applyMask; rank 0 means dims {n}, strides {1}
  NoiseMode mode = NoiseMode::kMultiply;
  double stddev = 1;          // gaussianNoise
  double factor = 1;          // biasDropoutAdd's scale, scale's factor
  bool writeMask = true;      // dropoutFused, biasDropoutAdd: maskBits is not null
  InPlace inPlace = InPlace::kNone;
  size_t shift[4] = {};  // elements before x, the output, the mask, and bias and residual
  uint64_t dataSeed = 0;
};

constexpr uint64_t kTwoPow32 = uint64_t{1} << 32;

inline size_t wordsFor(uint64_t bits) { return static_cast<size_t>(bits / 32 + (bits % 32 != 0)); }

// The mask words applyMask reads: up to its largest mask index.
inline size_t maskWordsRead(const Layout& l) {
  uint64_t maxIndex = 0;
  for (int d = 0; d < l.rank; ++d) {
    if (l.dims[d] == 0) return 0;
    maxIndex += (l.dims[d] - 1) * l.maskStrides[d];
  }
  return static_cast<size_t>(maxIndex / 32 + 1);
}

// Makes c a call kernels.h allows (what binding.cc checks before it calls a kernel), so that
// generators may be careless: the length its shape implies, no global index past 2^64 - 1, a
// threshold in [0, 2^32], in place only where the kernel allows it. The generator keeps
// applyMask's dims small: their product becomes n.
inline void settle(Case& c) {
  if (c.columns == 0) c.columns = 1;
  if (c.kernel == Kernel::kApplyMask) {
    if (c.layout.rank == 0) {
      c.layout.rank = 1;
      c.layout.dims[0] = c.n;
      c.layout.maskStrides[0] = 1;
    }
    uint64_t product = 1;
    for (int d = 0; d < c.layout.rank; ++d) product *= c.layout.dims[d];
    c.n = static_cast<size_t>(product);
  }
  if (c.kernel == Kernel::kBiasDropoutAdd || c.kernel == Kernel::kColumnSums) c.n -= c.n % c.columns;
  if (c.n != 0 && c.stream.offset > ~uint64_t{0} - (c.n - 1)) {
    c.stream.offset = ~uint64_t{0} - (c.n - 1);
  }
  c.stream.dropThreshold = std::min(c.stream.dropThreshold, kTwoPow32);
  if (!typed(c.kernel) || c.kernel == Kernel::kColumnSums) c.inPlace = InPlace::kNone;
  if (c.inPlace == InPlace::kResidual && c.kernel != Kernel::kBiasDropoutAdd) c.inPlace = InPlace::kX;
}

inline std::string describe(const Case& c) {
  const auto hex = [](uint64_t v) {
    char s[24];
    std::snprintf(s, sizeof s, "0x%llx", static_cast<unsigned long long>(v));
    return std::string(s);
  };
  const auto num = [](double v) {  // every digit, so the case can be written down again
    char s[32];
    std::snprintf(s, sizeof s, "%.17g", v);
    return std::string(s);
  };
  std::string s = std::string(nameOf(c.kernel)) + (typed(c.kernel) ? (c.f64 ? " f64" : " f32") : "") +
                  " n=" + std::to_string(c.n) + " offset=" + std::to_string(c.stream.offset) +
                  " threshold=" + std::to_string(c.stream.dropThreshold) + " key=" +
                  hex(c.stream.keyLo) + "," + hex(c.stream.keyHi) + " stream=" +
                  hex(c.stream.streamLo) + "," + hex(c.stream.streamHi);
  switch (c.kernel) {
    case Kernel::kDropoutFused:
    case Kernel::kApplyMask:
      s += " scale=" + num(c.transform.scale) +
           (c.transform.hasShift ? " shift=" + num(c.transform.shift) : "") +
           " dropValue=" + num(c.transform.dropValue);
      break;
    case Kernel::kGaussianNoise:
      s += std::string(c.mode == NoiseMode::kAdd ? " add" : " multiply") +
           " stddev=" + num(c.stddev);
      break;
    case Kernel::kBiasDropoutAdd:
    case Kernel::kColumnSums:
    case Kernel::kScale:
      s += " columns=" + std::to_string(c.columns) + " factor=" + num(c.factor);
      break;
    default: break;
  }
  if (c.kernel == Kernel::kApplyMask) {
    s += " dims/strides=";
    for (int d = 0; d < c.layout.rank; ++d) {
      s += (d ? "," : "") + std::to_string(c.layout.dims[d]) + "/" +
           std::to_string(c.layout.maskStrides[d]);
    }
  }
  s += std::string(c.writeMask ? "" : " no mask") +
       (c.inPlace == InPlace::kX ? " in place" : c.inPlace == InPlace::kResidual ? " over residual" : "") +
       " shifts=" + std::to_string(c.shift[0]) + "," + std::to_string(c.shift[1]) + "," +
       std::to_string(c.shift[2]) + "," + std::to_string(c.shift[3]) + " data=" + hex(c.dataSeed);
  return s;
}

// What a kernel call wrote: its value output (width bytes an element) and its mask words.
struct Outputs {
  std::vector<unsigned char> values;
  size_t width = 1;
  std::vector<uint32_t> mask;
};

// The inputs of a case, drawn from its dataSeed (what its kernel does not read stays empty).
template <typename T>
struct Inputs {
  std::vector<T> x;
  std::vector<T> bias;
  std::vector<T> residual;
  std::vector<uint32_t> maskBits;  // applyMask's
};

template <typename T>
Inputs<T> inputsOf(const Case& c) {
  Random r{c.dataSeed};
  Inputs<T> in;
  if (c.kernel == Kernel::kGenerateMask || c.kernel == Kernel::kRandomWords ||
      c.kernel == Kernel::kNormalValues) {
    return in;
  }
  in.x = values<T>(r, c.n);
  if (c.kernel == Kernel::kBiasDropoutAdd) {
    in.bias = values<T>(r, c.columns);
    in.residual = values<T>(r, c.n);
  }
  if (c.kernel == Kernel::kApplyMask) {
    in.maskBits.resize(maskWordsRead(c.layout));
    for (uint32_t& w : in.maskBits) w = static_cast<uint32_t>(r.next());
  }
  return in;
}

// Runs c (settled) on one table, each array in an allocation of its own. Outputs start as
// copies of the byte `fill`, so a kernel that leaves an element or a word unwritten differs
// between two runs with different fills.
template <typename T>
Outputs runTyped(const KernelTable& table, const Case& c, const Inputs<T>& in, unsigned char fill) {
  const FloatKernels<T>& k = table.of<T>();
  const size_t n = c.n;
  Guarded<T> x(in.x, c.shift[0]);
  Guarded<T> out(n, c.shift[1], fill);
  Guarded<uint32_t> mask(wordsFor(n), c.shift[2], fill);
  Guarded<T>& target = c.inPlace == InPlace::kX ? x : out;
  uint32_t* const maskOut = c.writeMask ? mask.data() : nullptr;
  Outputs o;
  o.width = sizeof(T);
  switch (c.kernel) {
    case Kernel::kDropoutFused:
      k.dropoutFused(x.data(), target.data(), maskOut, n, c.stream, c.transform);
      o.values = target.bytes();
      break;
    case Kernel::kApplyMask: {
      Guarded<uint32_t> bits(in.maskBits, c.shift[2]);
      k.applyMask(x.data(), target.data(), bits.data(), c.transform, c.layout);
      o.values = target.bytes();
      return o;
    }
    case Kernel::kGaussianNoise:
      k.gaussianNoise(x.data(), target.data(), n, c.stream, c.stddev, c.mode);
      o.values = target.bytes();
      return o;
    case Kernel::kBiasDropoutAdd: {
      Guarded<T> bias(in.bias, c.shift[3]);
      Guarded<T> residual(in.residual, c.shift[3]);
      Guarded<T>& sum = c.inPlace == InPlace::kResidual ? residual : target;
      k.biasDropoutAdd(x.data(), bias.data(), c.columns, residual.data(), sum.data(), maskOut, n,
                       c.stream, static_cast<T>(c.factor));
      o.values = sum.bytes();
      break;
    }
    case Kernel::kColumnSums: {
      Guarded<T> sums(c.columns, c.shift[1], fill);
      k.columnSums(x.data(), n / c.columns, sums.data(), c.columns);
      o.values = sums.bytes();
      return o;
    }
    case Kernel::kScale:
      k.scale(x.data(), target.data(), n, static_cast<T>(c.factor));
      o.values = target.bytes();
      return o;
    case Kernel::kGenerateMask:
      table.generateMask(mask.data(), n, c.stream);
      break;
    case Kernel::kRandomWords: {
      Guarded<uint32_t> words(n, c.shift[1], fill);
      table.randomWords(words.data(), n, c.stream);
      o.values = words.bytes();
      o.width = sizeof(uint32_t);
      return o;
    }
    case Kernel::kNormalValues: {
      Guarded<double> z(n, c.shift[1], fill);
      table.normalValues(z.data(), n, c.stream);
      o.values = z.bytes();
      o.width = sizeof(double);
      return o;
    }
  }
  // the kernels that write a mask
  if (c.kernel == Kernel::kGenerateMask || maskOut != nullptr) {
    o.mask = std::vector<uint32_t>(mask.data(), mask.data() + wordsFor(n));
  }
  return o;
}

// Word g & 3 of Philox block g >> 2 under the stream's key: the mapping of kernels.h, one
// element at a time.
inline philox::Counter blockAt(const MaskStream& s, uint64_t block) {
  return philox::philox4x32_10({static_cast<uint32_t>(block), static_cast<uint32_t>(block >> 32),
                                s.streamLo, s.streamHi},
                               {s.keyLo, s.keyHi});
}

// The outputs of c that are functions of the global index g = offset + i alone, computed
// directly: randomWords' words, normalValues' normals, and every written mask's keep decisions
// (bits past n are 0). Returns what differs first, or nothing.
inline std::string directMismatch(const Case& c, const Outputs& o) {
  const bool words = c.kernel == Kernel::kRandomWords;
  const bool normals = c.kernel == Kernel::kNormalValues;
  if (!words && !normals && o.mask.empty()) return {};
  uint64_t cached = 0;
  philox::Counter block{};
  std::array<double, 4> z{};
  for (size_t i = 0; i < c.n; ++i) {
    const uint64_t g = c.stream.offset + i;
    if (i == 0 || (g >> 2) != cached) {
      cached = g >> 2;
      block = blockAt(c.stream, cached);
      if (normals) z = simd_dropout::normal::blockNormals(block);
    }
    const char* what = nullptr;
    if (words && std::memcmp(&o.values[i * o.width], &block[g & 3], sizeof(uint32_t)) != 0) {
      what = "Philox word";
    } else if (normals && std::memcmp(&o.values[i * o.width], &z[g & 3], sizeof(double)) != 0) {
      what = "normal";
    } else if (!o.mask.empty() && ((o.mask[i / 32] >> (i % 32)) & 1u) !=
                                      (uint64_t{block[g & 3]} >= c.stream.dropThreshold ? 1u : 0u)) {
      what = "keep decision";
    }
    if (what != nullptr) {
      return std::string(what) + " at " + std::to_string(i) + " (global " + std::to_string(g) + ")";
    }
  }
  if (!o.mask.empty() && c.n % 32 != 0 && (o.mask.back() >> (c.n % 32)) != 0) {
    return "mask bits past n are not 0";
  }
  return {};
}

// A kernel table and the name of its ISA.
struct Table {
  const char* name;
  const KernelTable* kernels;
};

template <typename T>
void checkTyped(const std::vector<Table>& tables, const KernelTable& ref, const Case& c) {
  const Inputs<T> in = inputsOf<T>(c);
  const Outputs expected = runTyped(ref, c, in, 0x5A);
  for (const Table& table : tables) {
    const Outputs actual = runTyped(*table.kernels, c, in, 0xA5);
    ++checks;
    if (actual.values != expected.values) {
      size_t i = 0;
      while (actual.values[i] == expected.values[i]) ++i;
      fail(std::string(table.name) + ": values differ at " + std::to_string(i / actual.width) +
           ": " + describe(c));
    } else if (actual.mask != expected.mask) {
      size_t i = 0;
      while (actual.mask[i] == expected.mask[i]) ++i;
      fail(std::string(table.name) + ": mask word " + std::to_string(i) + " differs: " + describe(c));
    }
  }
  ++checks;
  const std::string direct = directMismatch(c, expected);
  if (!direct.empty()) fail("scalar against Philox computed directly: " + direct + ": " + describe(c));
}

// c (settled here) on each of `tables` and on `ref`, the scalar table, with the same inputs:
// each must give ref's bits, and ref's outputs that depend on the global index alone must match
// their direct computation (so each table's do too).
inline void checkCase(const std::vector<Table>& tables, const KernelTable& ref, Case c) {
  settle(c);
  if (c.f64) {
    checkTyped<double>(tables, ref, c);
  } else {
    checkTyped<float>(tables, ref, c);
  }
}

}  // namespace kernel_check

#endif  // SIMD_DROPOUT_TEST_KERNEL_CHECK_H_
