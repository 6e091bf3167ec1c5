#include "dispatch.h"

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "cpu.h"

namespace simd_dropout {
namespace {

bool alwaysSupported() { return true; }
bool neverSupported() { return false; }
#if SIMD_DROPOUT_X86_KERNELS
bool hasSse2() { return cpu::features().sse2; }
bool hasAvx2() { return cpu::features().avx2; }
bool hasAvx512() { return cpu::features().avx512; }
#endif
#if SIMD_DROPOUT_NEON_KERNELS
bool hasNeon() { return cpu::features().neon; }
#endif

// Every ISA the project knows, slowest first: without an override the last supported entry
// wins. An entry without kernels is one this build has none for (another architecture or
// compiler).
constexpr Isa kIsas[] = {
    {"scalar", &kScalarKernels, alwaysSupported},
#if SIMD_DROPOUT_X86_KERNELS
    {"sse2", &kSse2Kernels, hasSse2},
    {"avx2", &kAvx2Kernels, hasAvx2},
    {"avx512", &kAvx512Kernels, hasAvx512},
#else
    {"sse2", nullptr, neverSupported},
    {"avx2", nullptr, neverSupported},
    {"avx512", nullptr, neverSupported},
#endif
#if SIMD_DROPOUT_NEON_KERNELS
    {"neon", &kNeonKernels, hasNeon},
#else
    {"neon", nullptr, neverSupported},
#endif
};

bool usable(const Isa& isa) { return isa.kernels != nullptr && isa.supported(); }

std::string availableIsas() {
  std::string names;
  for (const Isa& isa : kIsas) {
    if (!usable(isa)) continue;
    if (!names.empty()) names += ", ";
    names += isa.name;
  }
  return names;
}

IsaSelection select() {
  const char* forced = std::getenv(kIsaEnvVar);
  if (forced == nullptr || *forced == '\0') {
    const Isa* best = nullptr;
    for (const Isa& isa : kIsas) {
      if (usable(isa)) best = &isa;
    }
    return {best, {}};
  }
  const std::string prefix = std::string(kIsaEnvVar) + "=" + forced;
  for (const Isa& isa : kIsas) {
    if (std::strcmp(isa.name, forced) != 0) continue;
    if (usable(isa)) return {&isa, {}};
    if (isa.kernels == nullptr) {
      return {nullptr, prefix + " names an ISA this build has no kernels for; available: " +
                           availableIsas()};
    }
    return {nullptr,
            prefix + " names an ISA this CPU does not support; available: " + availableIsas()};
  }
  return {nullptr, prefix + " is not a known ISA; available: " + availableIsas()};
}

}  // namespace

const IsaSelection& isaSelection() {
  static const IsaSelection selection = select();
  return selection;
}

const KernelTable& activeKernels() { return *isaSelection().isa->kernels; }

std::vector<const char*> supportedIsaNames() {
  std::vector<const char*> names;
  for (const Isa& isa : kIsas) {
    if (usable(isa)) names.push_back(isa.name);
  }
  return names;
}

const Isa* findIsa(const char* name) {
  for (const Isa& isa : kIsas) {
    if (std::strcmp(isa.name, name) == 0 && usable(isa)) return &isa;
  }
  return nullptr;
}

}  // namespace simd_dropout
