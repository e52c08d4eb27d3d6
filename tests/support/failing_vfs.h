// FailingVfs: a SQLite VFS that wraps the process's default VFS and, when
// armed, fails one chosen file operation the way a failing disk does, to
// show that an I/O error at any point of a write leaves nothing
// half-written and that the service recovers once the disk does.
//
// Every xWrite and every xSync on any file SQLite opens through it (the
// database, its WAL, journals) is counted, in call order, across all
// connections. After FailAt(fault, n):
//   kWriteIoError  the n-th xWrite returns SQLITE_IOERR_WRITE without
//                  writing; later ones succeed;
//   kSyncIoError   the n-th xSync returns SQLITE_IOERR_FSYNC without
//                  syncing; later ones succeed;
//   kDiskFull      the n-th xWrite and every later one return SQLITE_FULL
//                  without writing, until FailAt or Clear.
// Everything else is forwarded unchanged.
//
// The constructor registers the shim as the default VFS, so only
// connections opened afterwards go through it: build it before the store.
// The destructor makes the wrapped VFS the default again; every connection
// opened through the shim must be closed by then. At most one FailingVfs
// may exist at a time (the constructor throws std::runtime_error
// otherwise).
//
// Header-only, like the rest of tests/support, so that any test suite can
// use it without build changes.
//
// Thread-safe: counters are shared by all connections and threads.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <mutex>
#include <stdexcept>

namespace aftersales::testing {

class FailingVfs {
 public:
  enum class Fault {
    kWriteIoError,
    kSyncIoError,
    kDiskFull,
  };

  static constexpr const char* kName = "aftersales-failing";

  FailingVfs() {
    if (sqlite3_vfs_find(kName) != nullptr) throw std::runtime_error("a FailingVfs is already registered");
    inner_ = sqlite3_vfs_find(nullptr);
    if (inner_ == nullptr) throw std::runtime_error("SQLite has no default VFS");
    vfs_.iVersion = 2;
    vfs_.szOsFile = static_cast<int>(sizeof(File)) + inner_->szOsFile;
    vfs_.mxPathname = inner_->mxPathname;
    vfs_.zName = kName;
    vfs_.pAppData = this;
    vfs_.xOpen = &Open;
    vfs_.xDelete = [](sqlite3_vfs* v, const char* path, int sync_dir) {
      return Inner(v)->xDelete(Inner(v), path, sync_dir);
    };
    vfs_.xAccess = [](sqlite3_vfs* v, const char* path, int flags, int* out) {
      return Inner(v)->xAccess(Inner(v), path, flags, out);
    };
    vfs_.xFullPathname = [](sqlite3_vfs* v, const char* path, int size, char* out) {
      return Inner(v)->xFullPathname(Inner(v), path, size, out);
    };
    vfs_.xDlOpen = [](sqlite3_vfs* v, const char* path) { return Inner(v)->xDlOpen(Inner(v), path); };
    vfs_.xDlError = [](sqlite3_vfs* v, int size, char* out) { Inner(v)->xDlError(Inner(v), size, out); };
    vfs_.xDlSym = [](sqlite3_vfs* v, void* handle, const char* symbol) {
      return Inner(v)->xDlSym(Inner(v), handle, symbol);
    };
    vfs_.xDlClose = [](sqlite3_vfs* v, void* handle) { Inner(v)->xDlClose(Inner(v), handle); };
    vfs_.xRandomness = [](sqlite3_vfs* v, int size, char* out) { return Inner(v)->xRandomness(Inner(v), size, out); };
    vfs_.xSleep = [](sqlite3_vfs* v, int micros) { return Inner(v)->xSleep(Inner(v), micros); };
    vfs_.xCurrentTime = [](sqlite3_vfs* v, double* out) { return Inner(v)->xCurrentTime(Inner(v), out); };
    vfs_.xGetLastError = [](sqlite3_vfs* v, int size, char* out) {
      return Inner(v)->xGetLastError(Inner(v), size, out);
    };
    vfs_.xCurrentTimeInt64 = [](sqlite3_vfs* v, sqlite3_int64* out) {
      return Inner(v)->xCurrentTimeInt64(Inner(v), out);
    };
    if (sqlite3_vfs_register(&vfs_, 1) != SQLITE_OK) throw std::runtime_error("cannot register the failing VFS");
  }

  ~FailingVfs() {
    sqlite3_vfs_register(inner_, 1);
    sqlite3_vfs_unregister(&vfs_);
  }

  FailingVfs(const FailingVfs&) = delete;
  FailingVfs& operator=(const FailingVfs&) = delete;

  // Arms `fault` at the n-th (1-based) operation of its kind from now on and
  // restarts both counts. n <= 0 disarms.
  void FailAt(Fault fault, std::int64_t n) {
    std::lock_guard<std::mutex> lock(mu_);
    fault_ = fault;
    fail_at_ = n;
    writes_ = 0;
    syncs_ = 0;
    fired_ = false;
  }
  // Disarms and restarts the counts.
  void Clear() { FailAt(Fault::kWriteIoError, 0); }

  // xWrite and xSync calls since the last FailAt/Clear, failed ones included.
  std::int64_t writes() const {
    std::lock_guard<std::mutex> lock(mu_);
    return writes_;
  }
  std::int64_t syncs() const {
    std::lock_guard<std::mutex> lock(mu_);
    return syncs_;
  }
  // Whether the armed fault has been injected.
  bool fired() const {
    std::lock_guard<std::mutex> lock(mu_);
    return fired_;
  }

 private:
  // One open file: the shim's header, followed in the same allocation by
  // the wrapped VFS's file (szOsFile covers both).
  struct File {
    sqlite3_file base;
    FailingVfs* owner;
    sqlite3_file* inner;
  };

  static sqlite3_vfs* Inner(sqlite3_vfs* v) { return static_cast<FailingVfs*>(v->pAppData)->inner_; }
  static File* Of(sqlite3_file* f) { return reinterpret_cast<File*>(f); }
  static sqlite3_file* InnerFile(sqlite3_file* f) { return Of(f)->inner; }

  static int Open(sqlite3_vfs* v, const char* path, sqlite3_file* file, int flags, int* out_flags) {
    File* shim = Of(file);
    shim->owner = static_cast<FailingVfs*>(v->pAppData);
    shim->inner = reinterpret_cast<sqlite3_file*>(shim + 1);
    const int rc = Inner(v)->xOpen(Inner(v), path, shim->inner, flags, out_flags);
    // SQLite closes a file whose methods are set, even when xOpen failed.
    shim->base.pMethods = shim->inner->pMethods != nullptr ? &kMethods : nullptr;
    return rc;
  }

  // The result code for this xWrite: SQLITE_OK to forward it.
  int CountWrite() {
    std::lock_guard<std::mutex> lock(mu_);
    ++writes_;
    if (fail_at_ <= 0 || fault_ == Fault::kSyncIoError) return SQLITE_OK;
    if (fault_ == Fault::kWriteIoError && writes_ == fail_at_) {
      fired_ = true;
      return SQLITE_IOERR_WRITE;
    }
    if (fault_ == Fault::kDiskFull && writes_ >= fail_at_) {
      fired_ = true;
      return SQLITE_FULL;
    }
    return SQLITE_OK;
  }

  // The result code for this xSync: SQLITE_OK to forward it.
  int CountSync() {
    std::lock_guard<std::mutex> lock(mu_);
    ++syncs_;
    if (fail_at_ > 0 && fault_ == Fault::kSyncIoError && syncs_ == fail_at_) {
      fired_ = true;
      return SQLITE_IOERR_FSYNC;
    }
    return SQLITE_OK;
  }

  static const sqlite3_io_methods kMethods;

  sqlite3_vfs* inner_ = nullptr;
  sqlite3_vfs vfs_{};
  mutable std::mutex mu_;
  Fault fault_ = Fault::kWriteIoError;
  std::int64_t fail_at_ = 0;
  std::int64_t writes_ = 0;
  std::int64_t syncs_ = 0;
  bool fired_ = false;
};

// Forwards every method to the wrapped file; xWrite and xSync are counted
// and fail when their turn comes.
inline const sqlite3_io_methods FailingVfs::kMethods = {
    3,
    [](sqlite3_file* f) {
      const int rc = InnerFile(f)->pMethods->xClose(InnerFile(f));
      f->pMethods = nullptr;
      return rc;
    },
    [](sqlite3_file* f, void* out, int amount, sqlite3_int64 offset) {
      return InnerFile(f)->pMethods->xRead(InnerFile(f), out, amount, offset);
    },
    [](sqlite3_file* f, const void* data, int amount, sqlite3_int64 offset) {
      const int injected = Of(f)->owner->CountWrite();
      if (injected != SQLITE_OK) return injected;
      return InnerFile(f)->pMethods->xWrite(InnerFile(f), data, amount, offset);
    },
    [](sqlite3_file* f, sqlite3_int64 size) { return InnerFile(f)->pMethods->xTruncate(InnerFile(f), size); },
    [](sqlite3_file* f, int flags) {
      const int injected = Of(f)->owner->CountSync();
      if (injected != SQLITE_OK) return injected;
      return InnerFile(f)->pMethods->xSync(InnerFile(f), flags);
    },
    [](sqlite3_file* f, sqlite3_int64* size) { return InnerFile(f)->pMethods->xFileSize(InnerFile(f), size); },
    [](sqlite3_file* f, int lock) { return InnerFile(f)->pMethods->xLock(InnerFile(f), lock); },
    [](sqlite3_file* f, int lock) { return InnerFile(f)->pMethods->xUnlock(InnerFile(f), lock); },
    [](sqlite3_file* f, int* out) { return InnerFile(f)->pMethods->xCheckReservedLock(InnerFile(f), out); },
    [](sqlite3_file* f, int op, void* arg) { return InnerFile(f)->pMethods->xFileControl(InnerFile(f), op, arg); },
    [](sqlite3_file* f) { return InnerFile(f)->pMethods->xSectorSize(InnerFile(f)); },
    [](sqlite3_file* f) { return InnerFile(f)->pMethods->xDeviceCharacteristics(InnerFile(f)); },
    [](sqlite3_file* f, int region, int size, int extend, void volatile** out) {
      return InnerFile(f)->pMethods->xShmMap(InnerFile(f), region, size, extend, out);
    },
    [](sqlite3_file* f, int offset, int n, int flags) {
      return InnerFile(f)->pMethods->xShmLock(InnerFile(f), offset, n, flags);
    },
    [](sqlite3_file* f) { InnerFile(f)->pMethods->xShmBarrier(InnerFile(f)); },
    [](sqlite3_file* f, int delete_flag) { return InnerFile(f)->pMethods->xShmUnmap(InnerFile(f), delete_flag); },
    [](sqlite3_file* f, sqlite3_int64 offset, int amount, void** out) {
      return InnerFile(f)->pMethods->xFetch(InnerFile(f), offset, amount, out);
    },
    [](sqlite3_file* f, sqlite3_int64 offset, void* page) {
      return InnerFile(f)->pMethods->xUnfetch(InnerFile(f), offset, page);
    },
};

}  // namespace aftersales::testing
