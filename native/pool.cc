#include "pool.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

#if defined(__linux__)
#include <sched.h>
#endif

namespace simd_dropout {
namespace pool {
namespace {

// No machine this runs on has more; a bound keeps a bogus count from starting thousands.
constexpr size_t kMaxPoolThreads = 256;

size_t detectThreads() {
  size_t count = 0;
#if defined(__linux__)
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) count = static_cast<size_t>(CPU_COUNT(&set));
#endif
  if (count == 0) count = std::thread::hardware_concurrency();
  return std::clamp<size_t>(count, 1, kMaxPoolThreads);
}

class Pool {
 public:
  void run(size_t tasks, size_t wanted, TaskFn task, const void* context) {
    const size_t threads = std::min({wanted, tasks, maxThreads()});
    std::unique_lock<std::mutex> job(jobMutex_, std::try_to_lock);
    if (threads <= 1 || !job.owns_lock()) {
      // One thread wanted, or the pool is busy with another caller's job: run every task here.
      for (size_t i = 0; i < tasks; ++i) task(context, i);
      return;
    }
    std::unique_lock<std::mutex> lock(mutex_);
    startWorkers(lock);
    task_ = task;
    context_ = context;
    tasks_ = tasks;
    next_.store(0, std::memory_order_relaxed);
    slots_ = std::min(threads - 1, workers_.size());
    ++generation_;
    lock.unlock();
    wake_.notify_all();

    work(task, context, tasks);

    lock.lock();
    // Workers that have not woken up yet would find nothing left to do: they skip this job.
    slots_ = 0;
    done_.wait(lock, [this] { return active_ == 0; });
  }

  size_t startedWorkers() {
    std::lock_guard<std::mutex> lock(mutex_);
    return workers_.size();
  }

  void retain() {
    std::lock_guard<std::mutex> lock(mutex_);
    ++environments_;
  }

  void release() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (environments_ > 0) --environments_;
      if (environments_ > 0 || workers_.empty()) return;
    }
    // Wait for a job in flight (none should be: its environment is gone), then stop.
    std::lock_guard<std::mutex> job(jobMutex_);
    std::vector<std::thread> workers;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (environments_ > 0) return;  // loaded again meanwhile: keep the threads
      stop_ = true;
      workers.swap(workers_);
    }
    wake_.notify_all();
    for (std::thread& worker : workers) worker.join();
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = false;
  }

 private:
  // Claims the next unclaimed task until none is left.
  void work(TaskFn task, const void* context, size_t tasks) {
    for (size_t i; (i = next_.fetch_add(1, std::memory_order_relaxed)) < tasks;) task(context, i);
  }

  // Starts the missing workers (with the job mutex and `lock` held). A worker skips every job
  // published before it started: it begins at the current generation.
  void startWorkers(std::unique_lock<std::mutex>&) {
    const size_t wanted = maxThreads() - 1;
    while (workers_.size() < wanted) {
      try {
        workers_.emplace_back(&Pool::workerLoop, this, generation_);
      } catch (const std::system_error&) {
        break;  // the OS refused another thread: run with those we have
      }
    }
  }

  void workerLoop(uint64_t seen) {
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      wake_.wait(lock, [&] { return stop_ || (slots_ > 0 && generation_ != seen); });
      if (stop_) return;
      seen = generation_;
      --slots_;
      ++active_;
      const TaskFn task = task_;
      const void* const context = context_;
      const size_t tasks = tasks_;
      lock.unlock();
      work(task, context, tasks);
      lock.lock();
      if (--active_ == 0) done_.notify_one();
    }
  }

  std::mutex jobMutex_;  // held by the caller whose job the pool runs
  std::mutex mutex_;     // guards everything below
  std::condition_variable wake_;
  std::condition_variable done_;
  std::vector<std::thread> workers_;
  uint64_t generation_ = 0;  // the number of jobs published
  size_t slots_ = 0;         // workers still welcome to join the current job
  size_t active_ = 0;        // workers inside the current job
  size_t environments_ = 0;
  bool stop_ = false;
  TaskFn task_ = nullptr;
  const void* context_ = nullptr;
  size_t tasks_ = 0;
  std::atomic<size_t> next_{0};
};

// Never destroyed: at exit() a static destructor could run while another thread is still in
// a job (process.exit() from JavaScript while an async call runs); the OS reclaims the threads.
Pool& thePool() {
  static Pool* const pool = new Pool();
  return *pool;
}

}  // namespace

size_t maxThreads() {
  static const size_t threads = detectThreads();
  return threads;
}

namespace {
std::atomic<size_t> gDefaultThreads{0};  // 0: not set, maxThreads()
}  // namespace

size_t defaultThreads() {
  const size_t threads = gDefaultThreads.load(std::memory_order_relaxed);
  return threads == 0 ? maxThreads() : threads;
}

void setDefaultThreads(size_t threads) {
  gDefaultThreads.store(std::clamp<size_t>(threads, 1, maxThreads()), std::memory_order_relaxed);
}

size_t startedWorkers() { return thePool().startedWorkers(); }

void run(size_t tasks, size_t threads, TaskFn task, const void* context) {
  thePool().run(tasks, threads, task, context);
}

void retain() { thePool().retain(); }

void release() { thePool().release(); }

}  // namespace pool
}  // namespace simd_dropout
