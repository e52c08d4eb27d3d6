#include "engine/audit/checkpoint_folder.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <system_error>

namespace aftersales {
namespace {

namespace fs = std::filesystem;

constexpr const char* kFilePrefix = "checkpoint-";
constexpr const char* kFileSuffix = ".json";
constexpr mode_t kCheckpointMode = 0644;
constexpr fs::perms kFolderPerms = fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec;

Status SystemError(const std::string& what, int error) {
  return Status::Unavailable(what + ": " + std::strerror(error));
}

// Closes a descriptor when it goes out of scope.
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return fd_; }
  // Closes now, reporting the result (close can report a failed write).
  int Close() {
    const int rc = ::close(fd_);
    fd_ = -1;
    return rc;
  }

 private:
  int fd_;
};

Status WriteAll(int fd, std::string_view content, const std::string& path) {
  while (!content.empty()) {
    const ssize_t n = ::write(fd, content.data(), content.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return SystemError("cannot write '" + path + "'", errno);
    }
    content.remove_prefix(static_cast<std::size_t>(n));
  }
  return Status::Ok();
}

// The seq a file name spells, or nullopt when it is not checkpoint-<seq>.json.
std::optional<std::int64_t> SeqOfFileName(const std::string& name) {
  const std::string prefix = kFilePrefix;
  const std::string suffix = kFileSuffix;
  if (name.size() <= prefix.size() + suffix.size() || name.compare(0, prefix.size(), prefix) != 0 ||
      name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0) {
    return std::nullopt;
  }
  const std::string digits = name.substr(prefix.size(), name.size() - prefix.size() - suffix.size());
  constexpr std::size_t kMaxDigits = 16;  // seq <= 2^53 - 1
  if (digits.size() > kMaxDigits || digits[0] == '0' ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  return std::stoll(digits);
}

}  // namespace

std::string CheckpointFileName(std::int64_t seq) { return kFilePrefix + std::to_string(seq) + kFileSuffix; }

Status WriteFileAtomically(const std::string& path, std::string_view content, mode_t mode, ExistingFile existing) {
  const fs::path target(path);
  const fs::path folder = target.parent_path().empty() ? fs::path(".") : target.parent_path();
  std::string temp = (folder / ("." + target.filename().string() + ".tmp-XXXXXX")).string();
  FileDescriptor file(::mkstemp(temp.data()));
  if (file.get() < 0) return SystemError("cannot create a file in '" + folder.string() + "'", errno);
  Status written = Status::Ok();
  if (::fchmod(file.get(), mode) != 0) written = SystemError("cannot set the mode of '" + temp + "'", errno);
  if (written.ok()) written = WriteAll(file.get(), content, temp);
  if (written.ok() && ::fsync(file.get()) != 0) written = SystemError("cannot sync '" + temp + "'", errno);
  if (file.Close() != 0 && written.ok()) written = SystemError("cannot write '" + temp + "'", errno);
  if (written.ok() && existing == ExistingFile::kReplace && ::rename(temp.c_str(), path.c_str()) != 0) {
    written = SystemError("cannot rename '" + temp + "' to '" + path + "'", errno);
  }
  if (written.ok() && existing == ExistingFile::kRefuse) {
    // link() fails when the name is taken, where rename() would replace it.
    if (::link(temp.c_str(), path.c_str()) != 0) {
      written = errno == EEXIST ? Status(Code::kAlreadyExists, "'" + path + "' exists; it is never overwritten")
                                : SystemError("cannot create '" + path + "'", errno);
    }
    ::unlink(temp.c_str());
  }
  if (!written.ok()) {
    ::unlink(temp.c_str());
    return written;
  }
  // The rename is durable only once the folder's entry is on disk.
  FileDescriptor dir(::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir.get() < 0 || ::fsync(dir.get()) != 0) return SystemError("cannot sync the folder of '" + path + "'", errno);
  return Status::Ok();
}

Status CheckpointFolder::Create() const {
  std::error_code ec;
  if (fs::is_directory(path_, ec)) return Status::Ok();
  if (fs::exists(path_, ec)) return Status::Unavailable("'" + path_ + "' is not a folder");
  fs::create_directories(path_, ec);
  if (ec) return Status::Unavailable("cannot create the folder '" + path_ + "': " + ec.message());
  fs::permissions(path_, kFolderPerms, ec);
  if (ec) return Status::Unavailable("cannot set the mode of '" + path_ + "': " + ec.message());
  return Status::Ok();
}

Result<std::string> CheckpointFolder::Write(const AuditCheckpoint& checkpoint) const {
  const std::string path = (fs::path(path_) / CheckpointFileName(checkpoint.seq)).string();
  AS_RETURN_IF_ERROR(WriteFileAtomically(path, CheckpointToJson(checkpoint).dump(2) + "\n", kCheckpointMode));
  return path;
}

Result<std::vector<StoredCheckpoint>> CheckpointFolder::Files() const {
  std::error_code ec;
  fs::directory_iterator it(path_, ec);
  if (ec) return Status::Unavailable("cannot read the checkpoint folder '" + path_ + "': " + ec.message());
  std::vector<StoredCheckpoint> found;
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    if (ec) return Status::Unavailable("cannot read the checkpoint folder '" + path_ + "': " + ec.message());
    std::optional<std::int64_t> seq = SeqOfFileName(it->path().filename().string());
    if (!seq) continue;
    StoredCheckpoint stored;
    stored.path = it->path().string();
    stored.seq = *seq;
    found.push_back(std::move(stored));
  }
  if (ec) return Status::Unavailable("cannot read the checkpoint folder '" + path_ + "': " + ec.message());
  std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.seq < b.seq; });
  return found;
}

void CheckpointFolder::Read(StoredCheckpoint* stored) {
  std::ifstream in(stored->path, std::ios::binary);
  std::ostringstream text;
  if (in.is_open()) text << in.rdbuf();
  if (!in.is_open() || in.bad()) {
    stored->problem = "cannot be read";
    return;
  }
  Result<AuditCheckpoint> parsed = ParseCheckpoint(text.str());
  if (!parsed.ok()) {
    stored->problem = parsed.status().message();
  } else if (parsed->seq != stored->seq) {
    stored->problem = "holds the checkpoint of seq " + std::to_string(parsed->seq) + ", not of its name's";
  } else {
    stored->checkpoint = std::move(*parsed);
  }
}

Result<std::vector<StoredCheckpoint>> CheckpointFolder::List() const {
  Result<std::vector<StoredCheckpoint>> found = Files();
  if (!found.ok()) return found.status();
  for (StoredCheckpoint& stored : *found) Read(&stored);
  return found;
}

Result<std::optional<AuditCheckpoint>> CheckpointFolder::Newest(const Ed25519PublicKey& key) const {
  Result<std::vector<StoredCheckpoint>> found = Files();
  if (!found.ok()) return found.status();
  for (auto stored = found->rbegin(); stored != found->rend(); ++stored) {
    Read(&*stored);
    if (stored->checkpoint && CheckpointSignatureProblem(*stored->checkpoint, key).empty()) {
      return std::optional<AuditCheckpoint>(std::move(*stored->checkpoint));
    }
  }
  return std::optional<AuditCheckpoint>();
}

}  // namespace aftersales
