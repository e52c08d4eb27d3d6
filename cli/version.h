// What `aftersales --version` prints: the project's version (CMake's
// project() VERSION, also the Debian package's) and the git commit the
// binary was built from, written into a generated file at build time
// (cmake/version_info.cmake). Constants; thread-safe.
#pragma once

namespace aftersales {

// "0.1.0".
const char* Version();
// The abbreviated commit ("e783c66a1b2c"), with "-dirty" when the checkout
// had uncommitted changes to tracked files, or "unknown" outside a git
// checkout (unless the build was told with -DAFTERSALES_GIT_COMMIT=…).
const char* GitCommit();

}  // namespace aftersales
