/**
 * The measured sizes (in elements) where the default execution changes; none changes a result,
 * only where the time goes. Measured with scratch benchmarks (README, "Threads, async calls and
 * small arrays": method, machine and numbers); re-measure when the kernels or the JS backend
 * change speed.
 */

/**
 * The default uses every thread (`setThreads`) from this many elements on, for the kernels that
 * draw random numbers (dropout forward, masks, Gaussian noise, bias-dropout-add, Philox words):
 * the size at which 2 threads beat 1 for float32 `dropout`.
 */
export const THREAD_CROSSOVER = 32_768;

/**
 * The same for the passes that only apply a mask or a factor (`dropoutBackward`, classic
 * dropout's inference scaling), which do far less work per element.
 */
export const APPLY_THREAD_CROSSOVER = 262_144;

/**
 * Below this many elements a Bernoulli dropout forward (dropout, spatial and alpha dropout) that
 * does not name a backend runs on the JS backend even when the addon loaded: crossing into C++
 * costs more than the work there.
 */
export const JS_CROSSOVER = 32;

/** The same for `dropoutBackward`, whose JS loop is cheaper per element than drawing a mask. */
export const APPLY_JS_CROSSOVER = 192;
