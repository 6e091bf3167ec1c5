// libFuzzer target: each input decodes into one kernel call (a kernel_check.h Case: kernel,
// dtype, length, offset, threshold, key and stream, transform, noise, broadcast layout, bias
// columns, in place or not, pointer misalignment, input data), which runs on every kernel table
// this CPU supports and must match the scalar table bit for bit, and the scalar table's words,
// normals and keep decisions must match Philox computed directly. Any difference aborts, so
// libFuzzer saves the input; built with AddressSanitizer and UndefinedBehaviorSanitizer, so an
// access outside the arrays or undefined behaviour fails too.
//
// scripts/test-native.sh builds and runs it. To replay a saved input, with the case printed:
//   build-native/kernel_fuzz build-native/artifacts/crash-<sha1>
#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <vector>

#include "dispatch.h"
#include "kernel_check.h"
#include "kernels.h"

namespace {

using kernel_check::Case;
using kernel_check::InPlace;
using kernel_check::Kernel;
using simd_dropout::KeepTransform;
using simd_dropout::KernelTable;
using simd_dropout::Layout;
using simd_dropout::NoiseMode;

constexpr uint64_t kTwoPow32 = uint64_t{1} << 32;

// Lengths: mostly short ones and their tails (also what an exhausted input decodes to), some
// up to a few tiles, around the SIMD kernels' tile of 1024 words (kernels_impl.h, kTileBlocks),
// and rarely, as they cost the most, past the 1 MiB from which they prefetch (kPrefetchMinBytes).
size_t lengthOf(FuzzedDataProvider& in, bool f64) {
  const int kind = in.ConsumeIntegralInRange(0, 63);
  if (kind < 48) return in.ConsumeIntegralInRange<size_t>(0, 300);
  if (kind < 56) return in.ConsumeIntegralInRange<size_t>(300, 5000);
  if (kind < 62) {
    return 1024 * in.ConsumeIntegralInRange<size_t>(1, 4) - 40 + in.ConsumeIntegralInRange<size_t>(0, 80);
  }
  return (size_t{1} << 20) / (f64 ? 8 : 4) + in.ConsumeIntegralInRange<size_t>(0, 3000);
}

// Offsets: small, around element 2^32, around block 2^32 (element 2^34, where the block number
// carries into counter word 1), around element 2^62, any, and up to the last the mapping allows
// (2^64 - n: settle() clamps what lies past it).
uint64_t offsetOf(FuzzedDataProvider& in, size_t n) {
  const uint64_t near = in.ConsumeIntegralInRange<uint64_t>(0, 8192);
  switch (in.ConsumeIntegralInRange(0, 5)) {
    case 0: return in.ConsumeIntegralInRange<uint64_t>(0, 1 << 20);
    case 1: return (uint64_t{1} << 32) - 4096 + near;
    case 2: return (uint64_t{1} << 34) - 4096 + near;
    case 3: return (uint64_t{1} << 62) - 4096 + near;
    case 4: return in.ConsumeIntegral<uint64_t>();
    default: return uint64_t{0} - n - near;
  }
}

uint64_t thresholdOf(FuzzedDataProvider& in) {
  const uint64_t edges[] = {0, 1, 2, kTwoPow32 / 2, kTwoPow32 - 2, kTwoPow32 - 1, kTwoPow32};
  if (in.ConsumeBool()) return edges[in.ConsumeIntegralInRange<size_t>(0, 6)];
  return in.ConsumeIntegralInRange<uint64_t>(0, kTwoPow32);
}

// A finite double: mostly of the sizes the library uses, sometimes any.
double finiteOf(FuzzedDataProvider& in, double low, double high) {
  return in.ConsumeBool() ? in.ConsumeFloatingPointInRange(low, high) : in.ConsumeFloatingPoint<double>();
}

// Scale and shift are never NaN: x * NaN with x a NaN too is the two-NaN case kernel_check.h's
// values() avoids. The drop value is selected by its bits, so it may be any double.
KeepTransform transformOf(FuzzedDataProvider& in) {
  KeepTransform t{};
  switch (in.ConsumeIntegralInRange(0, 3)) {
    case 0: t.scale = 1 / (1 - in.ConsumeProbability<double>()); break;  // inverted dropout, to +inf
    case 1: t.scale = in.ConsumeBool() ? -0.0 : 0.0; break;
    default: t.scale = finiteOf(in, -4, 4);
  }
  t.hasShift = in.ConsumeBool();
  t.shift = t.hasShift ? finiteOf(in, -4, 4) : 0;
  const uint64_t bits = in.ConsumeBool() ? 0 : in.ConsumeIntegral<uint64_t>();
  std::memcpy(&t.dropValue, &bits, sizeof bits);
  return t;
}

// biasDropoutAdd's and scale's factor: finite and not 0 once rounded to float. biasDropoutAdd
// multiplies x + bias (which may be -inf) by it and adds residual (which may be NaN): a zero
// factor would make a second NaN there, and which of two NaNs an add returns depends on the
// operand order the compiler picked (see values() in kernel_check.h). The library passes 0 only
// with every element dropped, when the product is discarded.
double factorOf(FuzzedDataProvider& in) {
  const double factor = finiteOf(in, -4, 4);
  const float rounded = static_cast<float>(factor);
  return std::isfinite(rounded) && rounded != 0 ? factor : 1;
}

// A layout of rank 1 .. 32 with at most 20 000 elements: each axis broadcast (stride 0), on a
// row-major or column-major noise shape (a transposed mask), or at any small stride.
Layout layoutOf(FuzzedDataProvider& in) {
  constexpr uint64_t kMaxElements = 20000;
  Layout l{};
  l.rank = in.ConsumeIntegralInRange(1, in.ConsumeBool() ? 4 : simd_dropout::kMaxRank);
  uint64_t product = 1;
  for (int d = 0; d < l.rank; ++d) {
    l.dims[d] = std::min<uint64_t>(in.ConsumeIntegralInRange<uint64_t>(0, 300), kMaxElements / product);
    product *= l.dims[d] == 0 ? 1 : l.dims[d];
  }
  const bool columnMajor = in.ConsumeBool();
  uint64_t natural = 1;
  for (int i = 0; i < l.rank; ++i) {
    const int d = columnMajor ? i : l.rank - 1 - i;
    switch (in.ConsumeIntegralInRange(0, 2)) {
      case 0: l.maskStrides[d] = 0; break;
      case 1:
        l.maskStrides[d] = natural;
        natural *= l.dims[d];
        break;
      default: l.maskStrides[d] = in.ConsumeIntegralInRange<uint64_t>(1, 64);
    }
  }
  return l;
}

Case caseOf(FuzzedDataProvider& in) {
  Case c;
  c.kernel = kernel_check::kKernels[in.ConsumeIntegralInRange<size_t>(0, std::size(kernel_check::kKernels) - 1)];
  c.f64 = in.ConsumeBool();
  c.n = lengthOf(in, c.f64);
  c.columns = in.ConsumeIntegralInRange<size_t>(1, c.n < 600 ? c.n + 1 : 600);
  c.stream.keyLo = in.ConsumeIntegral<uint32_t>();
  c.stream.keyHi = in.ConsumeIntegral<uint32_t>();
  c.stream.streamLo = in.ConsumeIntegral<uint32_t>();
  c.stream.streamHi = in.ConsumeIntegral<uint32_t>();
  c.stream.offset = offsetOf(in, c.n);
  c.stream.dropThreshold = thresholdOf(in);
  c.transform = transformOf(in);
  c.mode = in.ConsumeBool() ? NoiseMode::kAdd : NoiseMode::kMultiply;
  c.stddev = finiteOf(in, 0, 10);
  c.factor = factorOf(in);
  c.writeMask = in.ConsumeBool();
  c.inPlace = static_cast<InPlace>(in.ConsumeIntegralInRange(0, 2));
  for (size_t& shift : c.shift) shift = in.ConsumeIntegralInRange<size_t>(0, 15);
  if (c.kernel == Kernel::kApplyMask && in.ConsumeBool()) c.layout = layoutOf(in);
  c.dataSeed = in.ConsumeIntegral<uint64_t>();
  return c;
}

// Every table this CPU runs but the scalar one, which is the reference.
std::vector<kernel_check::Table> tablesToCompare() {
  std::vector<kernel_check::Table> tables;
  for (const char* name : simd_dropout::supportedIsaNames()) {
    if (std::strcmp(name, "scalar") != 0) tables.push_back({name, simd_dropout::findIsa(name)->kernels});
  }
  return tables;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::vector<kernel_check::Table> tables = tablesToCompare();
  FuzzedDataProvider in(data, size);
  kernel_check::checkCase(tables, *simd_dropout::findIsa("scalar")->kernels, caseOf(in));
  if (kernel_check::failures != 0) {
    std::fflush(stdout);  // abort() does not flush: the MISMATCH lines must reach the log
    std::abort();
  }
  return 0;
}
