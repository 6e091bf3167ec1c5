#!/usr/bin/env node
// The package's install step: node-gyp-build loads a matching prebuilt binary from prebuilds/ or
// compiles the addon. If neither is possible (no prebuild for this platform and no compiler),
// the package still installs: it then runs on its JavaScript backend (same results, slower),
// and says so once, with the reason, when it is first used.
import { spawnSync } from 'node:child_process';

const build = spawnSync('node-gyp-build', { stdio: 'inherit', shell: true });
if (build.status !== 0) {
  process.stderr.write(
    'simd-dropout: no prebuilt binary fits this platform and the native addon could not be compiled; ' +
      'the JavaScript backend will be used (install a C++ toolchain and python3 and reinstall for the native one)\n',
  );
}
