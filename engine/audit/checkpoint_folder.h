// CheckpointFolder: the folder where signed audit checkpoints are kept, one
// file per checkpoint named checkpoint-<seq>.json holding CheckpointToJson
// (indented, newline-terminated). The only file access of the engine; the
// `serve` scheduler, `audit checkpoint` and the evidence bundle use it.
//
// Writes are atomic and durable (WriteFileAtomically): a reader never sees
// half a file, and a written checkpoint survives a crash. A checkpoint of a
// seq already present replaces it (the same entry signed again, later).
// Thread-safe: it holds only the path.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/status.h"
#include "engine/audit/audit_checkpoint.h"

namespace aftersales {

// "checkpoint-<seq>.json".
std::string CheckpointFileName(std::int64_t seq);

// What WriteFileAtomically does when `path` exists.
enum class ExistingFile {
  kReplace,  // replace it (rename over it)
  kRefuse,   // leave it and fail with already_exists (link, never rename)
};

// Writes `content` to `path` so that it is there whole or not at all: a
// temporary file in the same folder with mode `mode`, fsync, then rename
// (kReplace) or link (kRefuse) to `path`, fsync of the folder. Errors:
// already_exists (kRefuse and `path` exists), unavailable, naming the file
// and the system's reason. The temporary file never remains.
Status WriteFileAtomically(const std::string& path, std::string_view content, mode_t mode,
                           ExistingFile existing = ExistingFile::kReplace);

// One file of the folder.
struct StoredCheckpoint {
  std::string path;
  std::int64_t seq = 0;                       // from the file name
  std::optional<AuditCheckpoint> checkpoint;  // unset when the file does not hold one
  std::string problem;                        // why not, then
};

class CheckpointFolder {
 public:
  explicit CheckpointFolder(std::string path) : path_(std::move(path)) {}

  const std::string& path() const { return path_; }

  // Creates the folder (and its parents) with mode 0750 when missing.
  // Errors: unavailable (it cannot be made, or is not a folder).
  Status Create() const;
  // Writes `checkpoint` as <path>/checkpoint-<seq>.json (mode 0644: a
  // checkpoint is public). Returns the file's path. Errors: unavailable.
  Result<std::string> Write(const AuditCheckpoint& checkpoint) const;
  // Every checkpoint-<seq>.json file, by seq (other files are ignored);
  // a file that cannot be read or parsed comes with its problem. Errors:
  // unavailable (the folder cannot be read).
  Result<std::vector<StoredCheckpoint>> List() const;
  // The checkpoint of the highest seq among the files whose checkpoint
  // `key` signed (files that do not hold one, or hold another key's, are
  // passed over), reading files from the highest seq down until one is
  // found; nullopt when none is. Errors: unavailable (the folder cannot be
  // read).
  Result<std::optional<AuditCheckpoint>> Newest(const Ed25519PublicKey& key) const;

 private:
  // The checkpoint-<seq>.json files by seq, path and seq set, not read.
  Result<std::vector<StoredCheckpoint>> Files() const;
  // Reads and parses `stored`'s file into its checkpoint or problem.
  static void Read(StoredCheckpoint* stored);

  std::string path_;
};

}  // namespace aftersales
