// Every kernel table this build has and this CPU runs, against the scalar reference, bit for
// bit (kernel_check.h): every kernel over odd lengths and tails, unaligned pointers, in place,
// every Philox lane offset, offsets across the 2^32-block boundary, the threshold edges, the
// three transform shapes, broadcast layouts; the Box-Muller extremes; and ranges that start far
// past 2^32 elements, up to the last offset the mapping allows, where every table (the scalar
// one too) must also match Philox computed directly. No Node: it links the kernel sources
// directly, so it also runs under qemu-user for the ISAs this machine lacks.
//
// scripts/test-kernels.sh builds and runs it on this machine (and, with qemu-x86_64, on CPUs
// without AVX2); scripts/test-avx512.sh runs it on an emulated AVX-512 CPU under Bochs;
// scripts/test-arm64.sh cross-compiles it for arm64 and runs it under qemu;
// scripts/test-native.sh builds it with AddressSanitizer and UndefinedBehaviorSanitizer.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "dispatch.h"
#include "kernel_check.h"
#include "kernels.h"

namespace {

using kernel_check::Case;
using kernel_check::checkCase;
using kernel_check::expectSame;
using kernel_check::InPlace;
using kernel_check::Kernel;
using kernel_check::Random;
using kernel_check::Table;
using simd_dropout::KeepTransform;
using simd_dropout::KernelTable;
using simd_dropout::Layout;
using simd_dropout::MaskStream;
using simd_dropout::NoiseMode;

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

// At most n elements as [a, b, c] with noise shape [a, 1, c] (strides c, 0, 1) or [a, b, 1]
// (b, 1, 0), or with an inner stride of a (a transposed mask).
Layout broadcastLayout(Random& r, size_t n) {
  size_t a = 1 + r.below(4), c = 1 + r.below(40);
  size_t b = n / (a * c);
  if (b == 0) a = 1, c = 1, b = n;
  Layout l{};
  l.rank = 3;
  l.dims[0] = a, l.dims[1] = b, l.dims[2] = c;
  switch (r.below(3)) {
    case 0: l.maskStrides[0] = c, l.maskStrides[1] = 0, l.maskStrides[2] = 1; break;
    case 1: l.maskStrides[0] = b, l.maskStrides[1] = 1, l.maskStrides[2] = 0; break;
    default: l.maskStrides[0] = 1, l.maskStrides[1] = a, l.maskStrides[2] = a * b;
  }
  return l;
}

Case randomCase(Random& r, Kernel kernel, bool f64, size_t n) {
  Case c;
  c.kernel = kernel;
  c.f64 = f64;
  c.n = n;
  c.stream = streamOf(r, n);
  c.transform = transformOf(r);
  c.mode = r.below(2) == 0 ? NoiseMode::kMultiply : NoiseMode::kAdd;
  c.stddev = r.uniform() * 3;
  c.factor = r.below(2) == 0 ? 1.0 / (1 - 0.4) : 0.7;
  c.writeMask = r.below(4) != 0;
  const InPlace places[] = {InPlace::kNone, InPlace::kNone, InPlace::kX, InPlace::kResidual};
  c.inPlace = places[r.below(4)];
  for (size_t& shift : c.shift) shift = r.below(4);
  c.dataSeed = r.next();
  if (kernel == Kernel::kBiasDropoutAdd) {
    // bias lengths around the 32-element word
    const size_t columnChoices[] = {1, 3, 7, 31, 32, 33, 64, 100};
    c.columns = columnChoices[r.below(8)];
    if (n % c.columns != 0) c.columns = n % 5 == 0 ? 5 : 1;
  } else if (kernel == Kernel::kColumnSums && n > 0) {
    c.columns = 1 + r.below(n < 600 ? n : 600);
  } else if (kernel == Kernel::kApplyMask && n > 0 && r.below(2) == 0) {
    c.layout = broadcastLayout(r, n);
  }
  return c;
}

// Outputs past the 1 MiB from which the SIMD kernels prefetch, and past the 8 MiB from which
// the x86 ones write around the cache when out is 16-byte aligned (kernels_impl.h,
// kPrefetchMinBytes and kStreamMinBytes): out at its allocation's start (16-byte aligned), one
// element into it, and in place; applyMask over broadcast runs of 256 bytes.
void checkLargeOutputs(const KernelTable& isa, const KernelTable& ref, const char* name, Random& r) {
  for (Kernel kernel : kernel_check::kKernels) {
    if (kernel_check::typed(kernel)) {
      checkCase({{name, &isa}}, ref, randomCase(r, kernel, false, (size_t{1} << 18) + 37));
    }
  }
  const size_t n = (size_t{1} << 21) + 256;  // 8 MiB of float and 4 groups of 32 more
  for (const auto& [outShift, inPlace] : {std::pair{0, InPlace::kNone}, std::pair{1, InPlace::kNone},
                                          std::pair{0, InPlace::kX}}) {
    for (Kernel kernel : {Kernel::kDropoutFused, Kernel::kApplyMask, Kernel::kBiasDropoutAdd}) {
      Case c = randomCase(r, kernel, false, n);
      c.shift[0] = 0;
      c.shift[1] = static_cast<size_t>(outShift);
      c.inPlace = inPlace;
      if (kernel == Kernel::kApplyMask) c.layout = {3, {4, n / 256, 64}, {64, 0, 1}};
      checkCase({{name, &isa}}, ref, c);
    }
  }
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
    ++kernel_check::checks;
    if (word != e.word) {
      kernel_check::fail("the extreme word at " + std::to_string(e.offset) + " is " + std::to_string(word));
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

// Ranges that start far into the stream: past 2^32 elements, across block 2^32 (where the block
// number carries into counter word 1), near 2^62 elements, and up to the last offset the
// mapping allows (its last element is 2^64 - 1, in block 2^62 - 1). Every kernel on every
// table, against the scalar table, and the scalar table against Philox computed directly at
// those global indices (checkCase). Only the offset is large: nothing of that size is allocated.
void checkLargeOffsets(const KernelTable& ref, const std::vector<Table>& tables) {
  Random r{0x0ff5e7};
  for (size_t n : {size_t{37}, size_t{1100}}) {
    const uint64_t last = ~uint64_t{0} - (n - 1);  // offset + n - 1 = 2^64 - 1
    const uint64_t offsets[] = {(uint64_t{1} << 32) - 5, (uint64_t{1} << 33) + 3,
                                (uint64_t{1} << 34) - 7, (uint64_t{1} << 40) + 1,
                                (uint64_t{1} << 62) - 2, last - 3, last};
    for (uint64_t offset : offsets) {
      for (Kernel kernel : kernel_check::kKernels) {
        for (bool f64 : {false, true}) {
          if (f64 && !kernel_check::typed(kernel)) continue;
          Case c = randomCase(r, kernel, f64, n);
          c.stream.offset = offset;
          c.stream.dropThreshold = 1 + r.below(0xFFFFFFFFu);  // keeps and drops
          c.writeMask = true;
          checkCase(tables, ref, c);
        }
      }
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
  // KERNEL_PARITY_ISAS=a,b checks only those, and fails unless this CPU runs each of them (an
  // emulated CPU's run must not pass by checking nothing).
  std::vector<std::string> checked;
  if (const char* only = std::getenv("KERNEL_PARITY_ISAS")) {
    for (std::string list = only; !list.empty();) {
      const size_t comma = list.find(',');
      checked.push_back(list.substr(0, comma));
      list = comma == std::string::npos ? "" : list.substr(comma + 1);
    }
  } else {
    checked.assign(names.begin(), names.end());
  }
  std::vector<Table> tables;
  for (const std::string& name : checked) {
    const simd_dropout::Isa* isa = simd_dropout::findIsa(name.c_str());
    if (isa == nullptr) {
      std::printf("KERNEL_PARITY_ISAS names %s, which this build and CPU do not run\n", name.c_str());
      return 1;
    }
    if (name != "scalar") tables.push_back({isa->name, isa->kernels});
  }
  int compared = 0;
  for (const auto& [name, kernels] : tables) {
    const KernelTable& isa = *kernels;
    Random r{0x5eed + static_cast<uint64_t>(compared)};
    std::vector<size_t> lengths;
    for (size_t n = 0; n <= 140; ++n) lengths.push_back(n);
    for (size_t n : {255, 256, 257, 1023, 1024, 1025, 1029, 4096, 4099, 10000}) lengths.push_back(n);
    for (int i = 0; i < 60; ++i) lengths.push_back(r.below(20000));
    for (size_t n : lengths) {
      for (int rep = 0; rep < 3; ++rep) {
        for (Kernel kernel : kernel_check::kKernels) {
          checkCase({{name, &isa}}, ref, randomCase(r, kernel, false, n));
          if (kernel_check::typed(kernel)) checkCase({{name, &isa}}, ref, randomCase(r, kernel, true, n));
        }
      }
    }
    checkLargeOutputs(isa, ref, name, r);
    checkManyNormals(isa, ref, name);
    checkExtremes(isa, ref, name);
    ++compared;
  }
  checkLargeOffsets(ref, tables);
  std::printf("%d ISA(s) against scalar (", compared);
  for (size_t i = 0; i < tables.size(); ++i) std::printf("%s%s", i > 0 ? ", " : "", tables[i].name);
  std::printf("), and every table from offset 2^32 - 5 to 2^64 - n: %ld comparisons, %d mismatches\n",
              kernel_check::checks, kernel_check::failures);
  return kernel_check::failures == 0 ? 0 : 1;
}
