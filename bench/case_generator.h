// CaseGenerator: builds a benchmark database of many cases in minutes.
//
// A shop's year is simulated once through the real engine
// (bench/shop_simulator.h) into a template file. A database of N cases is
// then N / template-cases copies of the template, written by SQL: every id
// that names one case's world (case, order, buyer, text, outbox event) is
// renamed per copy, keeping its format ("cs_" + 16 hex, "o-<n>", "b-<n>", …);
// staff, policies and heavy returners ("b-heavy-…") are shared. Times are
// kept: copy k is the same history on the same days by other buyers, a shop
// `copies` times as busy. The audit log is rebuilt in time order (each
// template entry followed by its copies) and re-chained with the real hash
// (AuditLog::ComputeHash), so `aftersales audit verify` passes on the
// result; staff events follow their entries' new seqs.
//
// Loading runs without journal or fsync and builds the secondary indexes
// at the end, so a crash mid-load leaves a useless file; the finished file
// is an ordinary WAL database, as `serve` opens it (no ANALYZE: the engine
// never runs one either). Errors are Status values: unavailable (storage),
// validation_failed (a bad count). Not thread-safe: one generation at a
// time per file.
#pragma once

#include <cstdint>
#include <string>

#include "bench/shop_simulator.h"
#include "domain/clock.h"
#include "domain/status.h"

namespace aftersales::bench {

// An in-place progress line on stderr: bar, percentage, count, rate,
// elapsed time and ETA. Redraws at most a few times a second; Finish() ends
// the line. Single-threaded.
class ProgressBar {
 public:
  ProgressBar(std::string label, std::int64_t total, std::string unit);
  // `done` of `total` units are finished.
  void Update(std::int64_t done);
  // Draws the final state and ends the line (also done by the destructor).
  void Finish();
  ~ProgressBar();

  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

 private:
  void Draw(std::int64_t done);

  std::string label_;
  std::int64_t total_;
  std::string unit_;
  double started_;
  double last_drawn_ = -1;
  std::int64_t done_ = 0;
  bool finished_ = false;
};

struct TemplateOptions {
  std::int64_t cases = 10'000;
  TimePoint history_end = 0;  // the simulated year ends here (the run's "now")
  std::uint64_t seed = 42;
};

struct TemplateInfo {
  std::int64_t cases = 0;  // cases in the template (what one copy adds)
  SimulationTotals totals;
  double seconds = 0;
};

// Simulates `options.cases` cases through the engine into a new database at
// `path` (removed first if present). Errors: unavailable (storage), or the
// simulation's error.
Result<TemplateInfo> BuildTemplate(const std::string& path, const TemplateOptions& options);

struct LoadStats {
  std::int64_t cases = 0;
  std::int64_t audit_entries = 0;
  double copy_seconds = 0;   // every table but the audit log
  double chain_seconds = 0;  // audit log rebuilt and re-hashed
  double index_seconds = 0;  // secondary indexes built
  double total_seconds = 0;
};

// Writes `copies` copies of the template at `template_path` into a new
// database at `path` (removed first if present). Errors: unavailable
// (storage, or a template whose audit entry has no defined hash).
Result<LoadStats> LoadCopies(const std::string& template_path, const std::string& path, std::int64_t copies);

}  // namespace aftersales::bench
