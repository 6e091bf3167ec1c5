#include "dispatch.h"

#include <cstdlib>
#include <cstring>
#include <string>

namespace simd_dropout {
namespace {

bool alwaysSupported() { return true; }

// Slowest first: without an override the last supported entry wins.
constexpr Isa kIsas[] = {
    {"scalar", &kScalarKernels, alwaysSupported},
};

std::string availableIsas() {
  std::string names;
  for (const Isa& isa : kIsas) {
    if (!isa.supported()) continue;
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
      if (isa.supported()) best = &isa;
    }
    return {best, {}};
  }
  for (const Isa& isa : kIsas) {
    if (std::strcmp(isa.name, forced) != 0) continue;
    if (isa.supported()) return {&isa, {}};
    return {nullptr, std::string(kIsaEnvVar) + "=" + forced +
                         " names an ISA this CPU does not support; available: " +
                         availableIsas()};
  }
  return {nullptr, std::string(kIsaEnvVar) + "=" + forced + " is not a known ISA; available: " +
                       availableIsas()};
}

}  // namespace

const IsaSelection& isaSelection() {
  static const IsaSelection selection = select();
  return selection;
}

const KernelTable& activeKernels() { return *isaSelection().isa->kernels; }

}  // namespace simd_dropout
