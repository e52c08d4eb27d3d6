// JsonApi: the engine's orders and cases in the JSON of SPEC §3-§6, for the
// HTTP layer, the command line, tools and tests alike. Each call turns its
// JSON into a typed command or query (api/action_codec.h,
// api/case_list_query.h), runs it through CaseEngine, and turns the view it
// answers into JSON (api/case_json.h). Commands go through one door (Run),
// which is also where a caller's TxnHook (the HTTP layer's idempotency
// record) joins the command's transaction. Thread-safe as CaseEngine is.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "api/case_list_query.h"
#include "engine/cases/case_engine.h"
#include "engine/engine_types.h"

namespace aftersales {

class JsonApi {
 public:
  explicit JsonApi(CaseEngine& engine) : engine_(engine) {}

  // Commands: errors as CaseEngine::Execute (the JSON's own first).
  Result<nlohmann::json> CreateOrder(const Actor& actor, const nlohmann::json& body, const TxnHook& hook = {});
  Result<nlohmann::json> PatchOrder(const Actor& actor, const std::string& order_id, const nlohmann::json& body,
                                    const TxnHook& hook = {});
  Result<nlohmann::json> ShipOrder(const Actor& actor, const std::string& order_id, const nlohmann::json& body,
                                   const TxnHook& hook = {});
  Result<nlohmann::json> Submit(const Actor& actor, const nlohmann::json& body, const TxnHook& hook = {});
  Result<nlohmann::json> Apply(const Actor& actor, const std::string& case_id, const std::string& action,
                               const nlohmann::json& body, const TxnHook& hook = {});
  Result<nlohmann::json> ExtendDeadlines(const Actor& actor, const nlohmann::json& body, const TxnHook& hook = {});
  // Submit and Apply answering their wire text (CommandResultText): what
  // the routes serve. Parsed into a tree only for a hook (once).
  Result<std::string> SubmitText(const Actor& actor, const nlohmann::json& body, const TxnHook& hook = {});
  Result<std::string> ApplyText(const Actor& actor, const std::string& case_id, const std::string& action,
                                const nlohmann::json& body, const TxnHook& hook = {});

  // Reads: errors as CaseQueries (validation_failed for bad parameters).
  Result<nlohmann::json> GetOrder(const Actor& actor, const std::string& order_id);
  Result<nlohmann::json> ListOrders(const Actor& actor, const OrderListParams& params);
  Result<nlohmann::json> GetCase(const Actor& actor, const std::string& case_id);
  Result<nlohmann::json> ListCases(const Actor& actor, const CaseListParams& params);
  // The same two as their wire text (CaseJsonText), never built as a tree:
  // what the routes serve.
  Result<std::string> GetCaseText(const Actor& actor, const std::string& case_id);
  Result<std::string> ListCasesText(const Actor& actor, const CaseListParams& params);
  Result<nlohmann::json> Timeline(const Actor& actor, const std::string& case_id);
  // What ExtendDeadlines would move now (GET /deadlines/extend): errors as
  // DeadlineExtensions::Preview.
  Result<nlohmann::json> PreviewExtension(const Actor& actor, const std::map<std::string, std::string>& query);

  CaseEngine& engine() { return engine_; }

 private:
  // What a command's hook was given inside its transaction, kept so that
  // the answer is rendered once: the JSON, and the text it was parsed from
  // when the caller answers text.
  struct Rendered {
    std::optional<nlohmann::json> value;
    std::optional<std::string> text;
  };
  // The one door of every command: runs it, with `hook` given the JSON the
  // command answers inside its transaction (rendered from its text when
  // `as_text`). Run and RunText answer it as JSON and as wire text.
  Result<CommandResult> Execute(const Actor& actor, const Command& command, const TxnHook& hook, bool as_text,
                                Rendered& rendered);
  Result<nlohmann::json> Run(const Actor& actor, const Command& command, const TxnHook& hook);
  Result<std::string> RunText(const Actor& actor, const Command& command, const TxnHook& hook);

  CaseEngine& engine_;
};

}  // namespace aftersales
