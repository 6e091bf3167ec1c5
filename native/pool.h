// A small process-wide thread pool: maxThreads() - 1 worker threads plus the calling thread.
// Plain C++: no N-API here.
//
// - Created lazily by the first job that wants more than one thread; the workers then sleep on
//   a condition variable between jobs (no spinning).
// - One job at a time. A caller that finds the pool busy (another worker_thread or an async
//   call on the libuv pool is using it) does not wait: it runs all of its tasks itself, in
//   order. So the pool never runs more than maxThreads() threads, a call never blocks behind
//   another call, and results never depend on who ran which task.
// - retain() / release() count the Node environments (main thread, worker_threads) that loaded
//   the addon; the last release() stops and joins the workers. A later job starts them again.
//   The pool object itself is never destroyed, so nothing runs at exit() while threads may
//   still be inside a job (process.exit() leaves the sleeping workers to the OS).
#ifndef SIMD_DROPOUT_POOL_H_
#define SIMD_DROPOUT_POOL_H_

#include <cstddef>
#include <cstdint>

namespace simd_dropout {
namespace pool {

// The CPUs this process may run on (its affinity mask on Linux, else
// std::thread::hardware_concurrency()), at least 1: the most threads a job runs on.
size_t maxThreads();

// The process-wide default thread count that JavaScript's setThreads() sets: in
// [1, maxThreads()], initially maxThreads(). Shared by every environment. (Jobs take their
// thread count from their caller; it is only stored here so that worker_threads share it.)
size_t defaultThreads();
void setDefaultThreads(size_t threads);  // clamped to [1, maxThreads()]

// The number of worker threads currently started (0 before the first multi-threaded job and
// after the last release()).
size_t startedWorkers();

// A task: called once for each index in [0, tasks). Must not throw and must not call run().
using TaskFn = void (*)(const void* context, size_t index);

// Runs task(context, i) for every i < tasks, each exactly once, on at most
// min(threads, tasks, maxThreads()) threads (the caller included), and returns when all have
// finished. Threads claim the next unclaimed task as they become free, so a thread that the OS
// runs slowly (a busy machine) ends up with fewer tasks. Thread-safe.
void run(size_t tasks, size_t threads, TaskFn task, const void* context);

// run() for any callable f(size_t index).
template <typename F>
void run(size_t tasks, size_t threads, const F& f) {
  run(
      tasks, threads,
      [](const void* context, size_t index) { (*static_cast<const F*>(context))(index); }, &f);
}

// Tasks per thread a range is split into, so that the threads balance their load.
constexpr uint64_t kTasksPerThread = 4;

// Runs f(begin, end) over consecutive ranges that cover [0, n), on at most `threads` threads.
// Every range but the last is a multiple of `align` (>= 1) long, and at least `minChunk` long
// (so starts are multiples of align); there are about kTasksPerThread ranges per thread. With
// threads <= 1, or when one range covers n, it is f(0, n) on the calling thread. Which ranges
// there are depends on (n, align, threads, minChunk) only, and which thread runs a range on
// nothing the caller can see.
template <typename F>
void forEachRange(uint64_t n, uint64_t align, uint64_t threads, uint64_t minChunk, const F& f) {
  if (threads <= 1 || n <= align || n <= minChunk) {
    f(uint64_t{0}, n);
    return;
  }
  // threads may be any integer: a huge request just means ranges of minChunk.
  const uint64_t tasks = threads > n / kTasksPerThread ? n : threads * kTasksPerThread;
  const uint64_t perTask = n / tasks + (n % tasks != 0 ? 1 : 0);
  const uint64_t roundUp = (minChunk > perTask ? minChunk : perTask) + align - 1;
  const uint64_t chunk = roundUp < align ? n : roundUp / align * align;  // (overflow: one range)
  const uint64_t ranges = chunk >= n ? 1 : n / chunk + (n % chunk != 0 ? 1 : 0);
  if (ranges <= 1) {
    f(uint64_t{0}, n);
    return;
  }
  run(static_cast<size_t>(ranges), static_cast<size_t>(threads < ranges ? threads : ranges),
      [&](size_t index) {
        const uint64_t begin = index * chunk;
        const uint64_t end = n - begin < chunk ? n : begin + chunk;
        f(begin, end);
      });
}

// An environment loaded the addon.
void retain();
// That environment is being torn down; the last one stops and joins the workers.
void release();

}  // namespace pool
}  // namespace simd_dropout

#endif  // SIMD_DROPOUT_POOL_H_
