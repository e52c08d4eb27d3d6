// Fuzz target `case_document`: the case document's reader
// (engine/cases/case_document.h, CaseFromRow) and the JSON reader under it
// (engine/json_reader.h), on any bytes as a stored document.
//
// Input: the bytes of a case document.
//
// Invariants, beyond "no crash, no sanitizer report, no exception":
//  - JsonReader takes the bytes as one JSON value exactly when
//    nlohmann::json::accept does, but for its three refusals
//    (engine/json_reader.h): a NUL byte after a value, a leading byte order
//    mark, nesting past JsonReader::kMaxDepth;
//  - a document CaseFromRow refuses is an internal error; one it accepts is
//    valid JSON, and the case it gives, written again (CaseToRow) and read
//    back from that text, writes the same text: what the reader accepts is
//    never changed by storing it once more.

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "engine/cases/case_document.h"
#include "engine/json_reader.h"
#include "fuzz/fuzz_check.h"
#include "web/json_body.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace aftersales;
  using namespace aftersales::fuzz;
  const std::string text(reinterpret_cast<const char*>(data), size);
  // nlohmann takes a NUL byte outside a string as the end of the input and
  // ignores what follows, and skips a leading byte order mark; the reader
  // refuses both, and nesting past its limit.
  const bool json_valid = text.find('\0') == std::string::npos && text.rfind("\xEF\xBB\xBF", 0) != 0 &&
                          JsonNestingDepth(text) <= JsonReader::kMaxDepth && nlohmann::json::accept(text);
  FUZZ_CHECK(JsonReader::Accepts(text) == json_valid,
             std::string("the JSON reader ") + (json_valid ? "refuses" : "accepts") + " what nlohmann " +
                 (json_valid ? "accepts" : "refuses"));

  CaseRow row;
  row.id = "case-fuzz";
  row.order_id = "order-fuzz";
  row.doc = text;
  const Result<Case> kase = CaseFromRow(row, {});
  if (!kase.ok()) {
    FUZZ_CHECK(kase.status().code() == Code::kInternal, "a refused document: " + kase.status().message());
    return 0;
  }
  FUZZ_CHECK(json_valid, "a document that is not JSON was read as a case");
  const CaseRow written = CaseToRow(*kase);
  CaseRow again = written;
  again.doc += ' ';  // another text: parsed, not taken from the memo
  const Result<Case> back = CaseFromRow(again, {});
  FUZZ_CHECK(back.ok(), "a written document does not read back: " + back.status().message());
  FUZZ_CHECK(CaseToRow(*back).doc == written.doc, "written again, a case's document changed:\n" + written.doc +
                                                      "\n" + CaseToRow(*back).doc);
  return 0;
}
