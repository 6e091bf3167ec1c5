// Async entry points: a checked job runs on the libuv thread pool and settles a Promise.
//
// The arguments are parsed and checked on the main thread, exactly as for the synchronous entry
// point, into a plain job struct (pointers, lengths, numbers); Execute() only runs the job: no
// N-API call happens off the main thread. The worker holds a reference to every array argument
// until the Promise settles, so garbage collection cannot free an array while the job reads or
// writes it, even when JavaScript has dropped it.
//
// What a reference cannot stop is a detach (a transfer to a worker_thread, structuredClone with
// transfer, ArrayBuffer.prototype.transfer) or a shrink of a resizable ArrayBuffer: V8 then moves
// or decommits the memory the job holds a pointer to. The TypeScript API rejects resizable
// buffers for async calls and documents that the arrays must not be transferred while a call
// runs; when the job finds, on completion, that an array was detached meanwhile, it resolves with
// that array's name and the TypeScript wrapper rejects.
#ifndef SIMD_DROPOUT_ASYNC_H_
#define SIMD_DROPOUT_ASYNC_H_

#include <napi.h>

#include <string>
#include <utility>
#include <vector>

namespace simd_dropout {

// Runs a Job (a copyable struct with `void run() const`) on the libuv thread pool.
template <typename Job>
class JobWorker : public Napi::AsyncWorker {
 public:
  // `arrays` are the call's typed array arguments (null and undefined entries are skipped), with
  // their names for the detach report.
  static Napi::Promise Start(Napi::Env env, const Job& job,
                             const std::vector<std::pair<Napi::Value, const char*>>& arrays) {
    auto* worker = new JobWorker(env, job);
    for (const std::pair<Napi::Value, const char*>& array : arrays) {
      if (array.first.IsTypedArray()) {
        Napi::Object object = array.first.As<Napi::Object>();
        worker->pins_.push_back(Pin{Napi::Persistent(object), array.second});
      }
    }
    Napi::Promise promise = worker->deferred_.Promise();
    worker->Queue();
    return promise;
  }

 protected:
  void Execute() override { job_.run(); }

  // Settles the Promise, except while the environment is being torn down (a worker_thread
  // terminated during the call): then no JavaScript can run, every N-API call that needs it
  // fails, and node-addon-api would turn the failure into an exception thrown out of a libuv
  // callback (std::terminate). Nobody can observe the Promise then, so it is left unsettled.
  void OnWorkComplete(Napi::Env env, napi_status status) override {
    if (status != napi_cancelled) {
      try {
        Napi::HandleScope scope(env);
        Settle(env);
      } catch (const Napi::Error&) {
        // torn down: see above
      }
    }
    Destroy();
  }

 private:
  struct Pin {
    Napi::ObjectReference reference;
    const char* name;
  };

  // Resolves with undefined, or with the name of an array whose buffer was detached meanwhile.
  void Settle(Napi::Env env) {
    for (const Pin& pin : pins_) {
      const Napi::Object object = pin.reference.Value();
      const Napi::TypedArray array = object.As<Napi::TypedArray>();
      if (array.ArrayBuffer().IsDetached()) {
        deferred_.Resolve(Napi::String::New(env, pin.name));
        return;
      }
    }
    deferred_.Resolve(env.Undefined());
  }

  JobWorker(Napi::Env env, const Job& job)
      : Napi::AsyncWorker(env, "simd-dropout"), job_(job), deferred_(Napi::Promise::Deferred::New(env)) {}

  Job job_;
  Napi::Promise::Deferred deferred_;
  std::vector<Pin> pins_;
};

}  // namespace simd_dropout

#endif  // SIMD_DROPOUT_ASYNC_H_
