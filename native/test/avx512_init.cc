// The init (PID 1) of the initramfs that scripts/test-avx512.sh boots under Bochs on an emulated
// AVX-512 CPU. It first shows that the CPU and the kernel give user code AVX-512 (CPUID leaf 7,
// XCR0, and one 512-bit instruction under an opmask, whose result it prints), then runs
// /kernel_parity with the environment the kernel gave it (unknown key=value boot parameters, such
// as KERNEL_PARITY_ISAS, end up there), prints its exit status on a line the script looks for,
// and powers the machine off so that Bochs exits. Built with -static (the initramfs holds
// libraries only for a sanitized /kernel_parity, KERNEL_PARITY_SANITIZE=1). It mounts /proc first:
// AddressSanitizer reads /proc/self/maps as it starts.
#include <cpuid.h>
#include <immintrin.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>

extern char** environ;

namespace {

bool bit(uint64_t value, int index) { return ((value >> index) & 1u) != 0; }

uint64_t xcr0() {
  uint32_t lo, hi;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return (uint64_t{hi} << 32) | lo;
}

// The 16 lanes of a + b where the mask is set and of a elsewhere, summed. The empty asm hides the
// inputs' values from the compiler, so the masked vpaddd on zmm registers runs here.
__attribute__((target("avx512f"))) int maskedZmmSum(__mmask16 mask) {
  __m512i a = _mm512_set1_epi32(1000);
  __m512i b = _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
  __asm__("" : "+v"(a), "+v"(b), "+k"(mask));
  int lanes[16];
  _mm512_storeu_si512(lanes, _mm512_mask_add_epi32(a, mask, a, b));
  int sum = 0;
  for (int lane : lanes) sum += lane;
  return sum;
}

// AVX-512 F, DQ, BW and VL as CPUID reports them, the opmask and ZMM state XCR0 says the kernel
// saves, and, only when both allow it (PID 1 must not die of SIGILL), one 512-bit instruction.
bool checkAvx512() {
  unsigned a, b, c, d;
  const bool osxsave = __get_cpuid(1, &a, &b, &c, &d) != 0 && bit(c, 27);
  unsigned ebx7 = 0;
  if (__get_cpuid_count(7, 0, &a, &b, &c, &d) != 0) ebx7 = b;
  const uint64_t xcr = osxsave ? xcr0() : 0;
  std::printf("avx512 check: CPUID.(7,0):EBX F=%d DQ=%d BW=%d VL=%d; XCR0=%#llx opmask=%d "
              "ZMM_Hi256=%d Hi16_ZMM=%d\n",
              bit(ebx7, 16), bit(ebx7, 17), bit(ebx7, 30), bit(ebx7, 31),
              static_cast<unsigned long long>(xcr), bit(xcr, 5), bit(xcr, 6), bit(xcr, 7));
  const bool cpu = bit(ebx7, 16) && bit(ebx7, 17) && bit(ebx7, 30) && bit(ebx7, 31);
  const bool os = bit(xcr, 1) && bit(xcr, 2) && bit(xcr, 5) && bit(xcr, 6) && bit(xcr, 7);
  if (!cpu || !os) {
    std::printf("avx512 check: FAILED: this CPU or kernel does not give user code AVX-512\n");
    return false;
  }
  const int sum = maskedZmmSum(0xaaaa);
  const int expected = 16 * 1000 + (1 + 3 + 5 + 7 + 9 + 11 + 13 + 15);
  std::printf("avx512 check: vpaddd zmm{k} over 16 lanes, mask 0xaaaa: sum %d (expected %d)\n",
              sum, expected);
  if (sum != expected) std::printf("avx512 check: FAILED: the 512-bit addition is wrong\n");
  return sum == expected;
}

// Runs /kernel_parity and returns its exit status (128 + the signal if a signal ended it).
int runKernelParity() {
  std::fflush(stdout);
  const pid_t child = fork();
  if (child == 0) {
    char path[] = "/kernel_parity";
    char* argv[] = {path, nullptr};
    execve(path, argv, environ);
    std::perror("execve /kernel_parity");
    _exit(127);
  }
  int status = 0;
  if (child < 0 || waitpid(child, &status, 0) != child) {
    std::perror("fork or waitpid");
    return 127;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

int main() {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  std::printf("avx512 init: started\n");
  mkdir("/proc", 0555);  // (it may be there already)
  if (mount("proc", "/proc", "proc", 0, nullptr) != 0) std::perror("avx512 init: mount /proc");
  if (checkAvx512()) std::printf("kernel_parity exit status: %d\n", runKernelParity());
  tcdrain(STDOUT_FILENO);  // a write to the serial console returns before the UART sent it
  sync();
  reboot(RB_POWER_OFF);
  std::perror("reboot(RB_POWER_OFF)");
  for (;;) pause();  // PID 1 must not exit: the kernel would panic
}
