// Chooses the kernel table once per process, when the addon first loads.
#ifndef SIMD_DROPOUT_DISPATCH_H_
#define SIMD_DROPOUT_DISPATCH_H_

#include <string>
#include <vector>

#include "kernels.h"

namespace simd_dropout {

// Names an ISA to use instead of the best one this CPU supports (for tests and benchmarks).
inline constexpr const char* kIsaEnvVar = "SIMD_DROPOUT_ISA";

struct Isa {
  const char* name;
  const KernelTable* kernels;  // null when this build has no kernels for it
  bool (*supported)();         // whether this CPU (and OS) can run them
};

// The outcome of the one-time choice: `isa` is null iff the forced ISA is unknown or
// unsupported here, and then `error` says why and lists the ISAs available.
struct IsaSelection {
  const Isa* isa;
  std::string error;
};

// Thread-safe; the first call makes the choice, later calls return the same selection.
const IsaSelection& isaSelection();

// The chosen table. Only valid once isaSelection() has succeeded, which addon init ensures
// before it exports any function.
const KernelTable& activeKernels();

// The ISAs this build has kernels for and this CPU runs, slowest first ("scalar" always; the
// last is the default choice). Any of them may be forced with SIMD_DROPOUT_ISA.
std::vector<const char*> supportedIsaNames();

// The ISA of that name if it is supported here, else null: the kernels of every supported ISA,
// whichever is active (for tests and benchmarks that compare them in one process).
const Isa* findIsa(const char* name);

}  // namespace simd_dropout

#endif  // SIMD_DROPOUT_DISPATCH_H_
