// Every kernel table this build has and this CPU runs, against the scalar reference, bit for
// bit: odd lengths and tails, unaligned pointers, in place, every Philox lane offset, offsets
// across the 2^32-block boundary, the threshold edges, the three transform shapes, broadcast
// layouts. No Node: it links the kernel sources directly, so it also runs under qemu-user for
// the ISAs this machine lacks (scripts/test-arm64.sh).
//
// scripts/test-kernels.sh builds and runs it on this machine (and, with qemu-x86_64, on CPUs
// without AVX2); scripts/test-arm64.sh cross-compiles it for arm64 and runs it under qemu.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "dispatch.h"
#include "kernels.h"

namespace {

using simd_dropout::KeepTransform;
using simd_dropout::KernelTable;
using simd_dropout::Layout;
using simd_dropout::MaskStream;
using simd_dropout::NoiseMode;

// splitmix64: the test's own inputs, independent of the library.
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

int failures = 0;
long checks = 0;

template <typename T>
bool sameBytes(const T* a, const T* b, size_t n) {
  return n == 0 || std::memcmp(a, b, n * sizeof(T)) == 0;
}

template <typename T>
void expectSame(const T* actual, const T* expected, size_t n, const std::string& what) {
  ++checks;
  if (sameBytes(actual, expected, n)) return;
  if (++failures <= 20) {
    size_t i = 0;
    while (std::memcmp(actual + i, expected + i, sizeof(T)) == 0) ++i;
    std::printf("MISMATCH %s at %zu of %zu\n", what.c_str(), i, n);
  }
}

// Inputs: mostly values in [-8, 8), with a NaN, an infinity, -0 and a subnormal mixed in.
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

MaskStream streamOf(Random& r, size_t n) {
  MaskStream s;
  s.keyLo = static_cast<uint32_t>(r.next());
  s.keyHi = static_cast<uint32_t>(r.next());
  s.streamLo = static_cast<uint32_t>(r.next());
  s.streamHi = static_cast<uint32_t>(r.next());
  switch (r.below(4)) {
    case 0: s.offset = r.below(8); break;
    case 1: s.offset = (uint64_t{1} << 34) - r.below(4 * 300); break;  // across block 2^32
    case 2: s.offset = r.next() >> 2; break;
    default: s.offset = r.below(1 << 20);
  }
  if (s.offset > ~uint64_t{0} - n) s.offset = 0;
  const uint64_t thresholds[] = {0, 1, uint64_t{1} << 31, 0xFFFFFFFFu, uint64_t{1} << 32,
                                 static_cast<uint64_t>(r.uniform() * 4294967296.0)};
  s.dropThreshold = thresholds[r.below(6)];
  return s;
}

KeepTransform transformOf(Random& r) {
  switch (r.below(3)) {
    case 0: return {1.0 / (1 - 0.3), false, 0, 0};             // plain dropout
    case 1: return {2.5, false, 0, -1.75};                     // scale and a drop value
    default: return {1.0507, true, -0.6841, -0.4 * r.uniform()};  // affine (alpha dropout)
  }
}

template <typename T>
void checkFloatKernels(const KernelTable& isa, const KernelTable& ref, const std::string& name,
                       Random& r, size_t n) {
  const auto& k = isa.of<T>();
  const auto& s = ref.of<T>();
  const std::string tag = name + (sizeof(T) == 4 ? " f32" : " f64") + " n=" + std::to_string(n);
  const size_t shift = r.below(4);  // unaligned views
  std::vector<T> xBuf = values<T>(r, n + shift);
  const T* x = xBuf.data() + shift;
  const size_t words = (n + 31) / 32;
  const MaskStream stream = streamOf(r, n);
  const KeepTransform transform = transformOf(r);
  const std::string at = tag + " offset=" + std::to_string(stream.offset) +
                         " threshold=" + std::to_string(stream.dropThreshold);

  // dropoutFused, with and without a mask, and in place
  std::vector<T> out1(n + 1), out2(n + 1);
  std::vector<uint32_t> mask1(words + 1, 0xDEADBEEF), mask2(words + 1, 0xFEEDFACE);
  k.dropoutFused(x, out1.data() + 1, mask1.data(), n, stream, transform);
  s.dropoutFused(x, out2.data() + 1, mask2.data(), n, stream, transform);
  expectSame(out1.data() + 1, out2.data() + 1, n, "dropoutFused " + at);
  expectSame(mask1.data(), mask2.data(), words, "dropoutFused mask " + at);
  std::vector<T> inPlace(x, x + n);
  k.dropoutFused(inPlace.data(), inPlace.data(), nullptr, n, stream, transform);
  expectSame(inPlace.data(), out2.data() + 1, n, "dropoutFused in place " + at);

  // generateMask
  std::vector<uint32_t> gen1(words, 1), gen2(words, 2);
  isa.generateMask(gen1.data(), n, stream);
  ref.generateMask(gen2.data(), n, stream);
  expectSame(gen1.data(), gen2.data(), words, "generateMask " + at);

  // applyMask over a random mask: contiguous, and a broadcast layout
  std::vector<uint32_t> bits(words + 2);
  for (auto& w : bits) w = static_cast<uint32_t>(r.next());
  Layout flat{};
  flat.rank = 1;
  flat.dims[0] = n;
  flat.maskStrides[0] = 1;
  k.applyMask(x, out1.data(), bits.data(), transform, flat);
  s.applyMask(x, out2.data(), bits.data(), transform, flat);
  expectSame(out1.data(), out2.data(), n, "applyMask flat " + at);
  if (n > 0) {
    // [a, b, c] with noise shape [a, 1, c] (strides c, 0, 1) or [a, b, 1] (b, 1, 0), or an
    // inner stride of 3 (a transposed mask)
    size_t a = 1 + r.below(4), c = 1 + r.below(40);
    size_t b = n / (a * c);
    if (b == 0) a = 1, c = 1, b = n;
    const size_t m = a * b * c;
    Layout l{};
    l.rank = 3;
    l.dims[0] = a, l.dims[1] = b, l.dims[2] = c;
    switch (r.below(3)) {
      case 0: l.maskStrides[0] = c, l.maskStrides[1] = 0, l.maskStrides[2] = 1; break;
      case 1: l.maskStrides[0] = b, l.maskStrides[1] = 1, l.maskStrides[2] = 0; break;
      default: l.maskStrides[0] = 1, l.maskStrides[1] = a, l.maskStrides[2] = a * b;
    }
    std::vector<uint32_t> big((a * b * c + 31) / 32 + 1);
    for (auto& w : big) w = static_cast<uint32_t>(r.next());
    k.applyMask(x, out1.data(), big.data(), transform, l);
    s.applyMask(x, out2.data(), big.data(), transform, l);
    expectSame(out1.data(), out2.data(), m, "applyMask broadcast " + at);
  }

  // gaussianNoise, both modes, and in place
  const double stddev = r.uniform() * 3;
  for (NoiseMode mode : {NoiseMode::kMultiply, NoiseMode::kAdd}) {
    k.gaussianNoise(x, out1.data(), n, stream, stddev, mode);
    s.gaussianNoise(x, out2.data(), n, stream, stddev, mode);
    expectSame(out1.data(), out2.data(), n, "gaussianNoise " + at);
  }
  inPlace.assign(x, x + n);
  k.gaussianNoise(inPlace.data(), inPlace.data(), n, stream, stddev, NoiseMode::kAdd);
  expectSame(inPlace.data(), out2.data(), n, "gaussianNoise in place " + at);

  // biasDropoutAdd: bias lengths around the 32-element word
  const size_t columnChoices[] = {1, 3, 7, 31, 32, 33, 64, 100};
  size_t columns = columnChoices[r.below(8)];
  if (n % columns != 0) columns = n == 0 ? 1 : (n % 5 == 0 ? 5 : 1);
  if (n > 0 && n % columns != 0) columns = 1;
  std::vector<T> bias = values<T>(r, columns);
  std::vector<T> residual = values<T>(r, n);
  const T factor = static_cast<T>(1.0 / (1 - 0.4));
  std::fill(mask1.begin(), mask1.end(), 7u);
  std::fill(mask2.begin(), mask2.end(), 9u);
  k.biasDropoutAdd(x, bias.data(), columns, residual.data(), out1.data(), mask1.data(), n, stream,
                   factor);
  s.biasDropoutAdd(x, bias.data(), columns, residual.data(), out2.data(), mask2.data(), n, stream,
                   factor);
  expectSame(out1.data(), out2.data(), n, "biasDropoutAdd C=" + std::to_string(columns) + " " + at);
  expectSame(mask1.data(), mask2.data(), words, "biasDropoutAdd mask " + at);
  std::vector<T> inPlaceResidual = residual;
  k.biasDropoutAdd(x, bias.data(), columns, inPlaceResidual.data(), inPlaceResidual.data(),
                   nullptr, n, stream, factor);
  expectSame(inPlaceResidual.data(), out2.data(), n, "biasDropoutAdd in place " + at);

  // columnSums and scale
  if (n > 0) {
    const size_t cols = 1 + r.below(n < 600 ? n : 600);
    const size_t rows = n / cols;
    std::vector<T> sums1(cols), sums2(cols);
    k.columnSums(x, rows, sums1.data(), cols);
    s.columnSums(x, rows, sums2.data(), cols);
    expectSame(sums1.data(), sums2.data(), cols, "columnSums " + at);
  }
  k.scale(x, out1.data(), n, static_cast<T>(0.7));
  s.scale(x, out2.data(), n, static_cast<T>(0.7));
  expectSame(out1.data(), out2.data(), n, "scale " + at);
}

void checkStreams(const KernelTable& isa, const KernelTable& ref, const std::string& name,
                  Random& r, size_t n) {
  const MaskStream stream = streamOf(r, n);
  const std::string at = name + " n=" + std::to_string(n) + " offset=" + std::to_string(stream.offset);
  std::vector<uint32_t> w1(n + 1, 1), w2(n + 1, 2);
  isa.randomWords(w1.data() + 1, n, stream);
  ref.randomWords(w2.data() + 1, n, stream);
  expectSame(w1.data() + 1, w2.data() + 1, n, "randomWords " + at);
  std::vector<double> z1(n + 1, 1), z2(n + 1, 2);
  isa.normalValues(z1.data() + 1, n, stream);
  ref.normalValues(z2.data() + 1, n, stream);
  expectSame(z1.data() + 1, z2.data() + 1, n, "normalValues " + at);
}

// The Box-Muller math over 2^20 normals (2^19 radius and angle words), so that rare word
// classes (tiny radius words, octant edges) are likely to appear.
void checkManyNormals(const KernelTable& isa, const KernelTable& ref, const std::string& name) {
  const size_t n = size_t{1} << 20;
  MaskStream stream{0x12345678u, 0x9abcdef0u, 7, 0, 3, 0};
  std::vector<double> z1(n), z2(n);
  isa.normalValues(z1.data(), n, stream);
  ref.normalValues(z2.data(), n, stream);
  expectSame(z1.data(), z2.data(), n, "normalValues 2^20 " + name);
}

// Stream positions whose Philox word is extreme (found by a scan of this key and stream): the
// radius words 0, 1, 2, 2^32 - 2, 2^32 - 1 and the angle words 0 and 2 of Box-Muller, and the
// words just at and around dropThreshold's edges.
struct Extreme {
  uint64_t offset;
  uint32_t word;
};
constexpr Extreme kExtremes[] = {
    {204064125, 0},          {2983673010, 2},          {3471887476, 0xFFFFFFFFu},
    {3610246776, 0},         {4609230238, 0xFFFFFFFFu}, {4924592008, 0xFFFFFFFFu},
    {5048669303, 0},         {5375768637, 2},          {6460744137, 0},
    {6756439854, 1},         {6803653774, 0},          {8434366758, 0xFFFFFFFEu},
};

void checkExtremes(const KernelTable& isa, const KernelTable& ref, const std::string& name) {
  for (const Extreme& e : kExtremes) {
    const std::string at = name + " extreme offset=" + std::to_string(e.offset);
    MaskStream stream{0x12345678u, 0x9abcdef0u, 7, 0, e.offset, 0};
    uint32_t word = 0;
    ref.randomWords(&word, 1, stream);
    ++checks;
    if (word != e.word) {
      ++failures;
      std::printf("MISMATCH the extreme word at %llu is %u\n", static_cast<unsigned long long>(e.offset), word);
    }
    // the normals of the word's block and a few around it, from every lane
    for (uint64_t start = (e.offset & ~uint64_t{3}) - 5; start <= e.offset; ++start) {
      stream.offset = start;
      double z1[13], z2[13];
      isa.normalValues(z1, 13, stream);
      ref.normalValues(z2, 13, stream);
      expectSame(z1, z2, 13, "normalValues " + at);
    }
    // thresholds just below, at and above the word
    stream.offset = e.offset - 7;
    for (uint64_t threshold : {uint64_t{e.word}, uint64_t{e.word} + 1, uint64_t{e.word} + 2,
                               uint64_t{e.word} - 1}) {
      if (threshold > (uint64_t{1} << 32)) continue;
      stream.dropThreshold = threshold;
      uint32_t m1[2] = {1, 1}, m2[2] = {2, 2};
      float x[40], o1[40], o2[40];
      for (int i = 0; i < 40; ++i) x[i] = static_cast<float>(i) - 20.5f;
      isa.f32.dropoutFused(x, o1, m1, 40, stream, {2, false, 0, 0});
      ref.f32.dropoutFused(x, o2, m2, 40, stream, {2, false, 0, 0});
      expectSame(m1, m2, 2, "dropoutFused mask threshold=" + std::to_string(threshold) + " " + at);
      expectSame(o1, o2, 40, "dropoutFused threshold=" + std::to_string(threshold) + " " + at);
    }
  }
}

}  // namespace

int main() {
  const KernelTable& ref = *simd_dropout::findIsa("scalar")->kernels;
  const std::vector<const char*> names = simd_dropout::supportedIsaNames();
  std::printf("supported ISAs:");
  for (const char* name : names) std::printf(" %s", name);
  std::printf("\n");
  int compared = 0;
  for (const char* name : names) {
    if (std::strcmp(name, "scalar") == 0) continue;
    const KernelTable& isa = *simd_dropout::findIsa(name)->kernels;
    Random r{0x5eed + static_cast<uint64_t>(compared)};
    std::vector<size_t> lengths;
    for (size_t n = 0; n <= 140; ++n) lengths.push_back(n);
    for (size_t n : {255, 256, 257, 1023, 1024, 1025, 1029, 4096, 4099, 10000}) lengths.push_back(n);
    for (int i = 0; i < 60; ++i) lengths.push_back(r.below(20000));
    for (size_t n : lengths) {
      for (int rep = 0; rep < 3; ++rep) {
        checkFloatKernels<float>(isa, ref, name, r, n);
        checkFloatKernels<double>(isa, ref, name, r, n);
        checkStreams(isa, ref, name, r, n);
      }
    }
    checkManyNormals(isa, ref, name);
    checkExtremes(isa, ref, name);
    ++compared;
  }
  std::printf("%d ISA(s) against scalar: %ld comparisons, %d mismatches\n", compared, checks,
              failures);
  return failures == 0 ? 0 : 1;
}
