#include "api/json_api.h"

#include "api/action_codec.h"
#include "api/case_json.h"

namespace aftersales {

using nlohmann::json;

Result<CommandResult> JsonApi::Execute(const Actor& actor, const Command& command, const TxnHook& hook,
                                       bool as_text, Rendered& rendered) {
  CommitHook commit_hook;
  if (hook) {
    commit_hook = [&](WriteTxn& txn, const CommandResult& result) {
      if (as_text) {
        rendered.text = CommandResultText(result);
        rendered.value = json::parse(*rendered.text);
      } else {
        rendered.value = CommandResultJson(result);
      }
      return hook(txn, *rendered.value);
    };
  }
  return engine_.Execute(actor, command, commit_hook);
}

Result<json> JsonApi::Run(const Actor& actor, const Command& command, const TxnHook& hook) {
  Rendered rendered;
  AS_ASSIGN_OR_RETURN(CommandResult result, Execute(actor, command, hook, /*as_text=*/false, rendered));
  if (rendered.value) return std::move(*rendered.value);
  return CommandResultJson(result);
}

Result<std::string> JsonApi::RunText(const Actor& actor, const Command& command, const TxnHook& hook) {
  Rendered rendered;
  AS_ASSIGN_OR_RETURN(CommandResult result, Execute(actor, command, hook, /*as_text=*/true, rendered));
  if (rendered.text) return std::move(*rendered.text);
  return CommandResultText(result);
}

Result<json> JsonApi::CreateOrder(const Actor& actor, const json& body, const TxnHook& hook) {
  return Run(actor, ParseCreateOrder(body, engine_.clock().Now()), hook);
}

Result<json> JsonApi::PatchOrder(const Actor& actor, const std::string& order_id, const json& body,
                                 const TxnHook& hook) {
  return Run(actor, ParsePatchOrder(order_id, body), hook);
}

Result<json> JsonApi::ShipOrder(const Actor& actor, const std::string& order_id, const json& body,
                                const TxnHook& hook) {
  return Run(actor, ParseShipOrder(order_id, body), hook);
}

Result<json> JsonApi::Submit(const Actor& actor, const json& body, const TxnHook& hook) {
  AS_ASSIGN_OR_RETURN(SubmitCase submit, ParseSubmitCase(actor, body));
  return Run(actor, std::move(submit), hook);
}

Result<json> JsonApi::Apply(const Actor& actor, const std::string& case_id, const std::string& action,
                            const json& body, const TxnHook& hook) {
  return Run(actor, ParseApplyAction(case_id, action, body), hook);
}

Result<std::string> JsonApi::SubmitText(const Actor& actor, const json& body, const TxnHook& hook) {
  AS_ASSIGN_OR_RETURN(SubmitCase submit, ParseSubmitCase(actor, body));
  return RunText(actor, std::move(submit), hook);
}

Result<std::string> JsonApi::ApplyText(const Actor& actor, const std::string& case_id, const std::string& action,
                                       const json& body, const TxnHook& hook) {
  return RunText(actor, ParseApplyAction(case_id, action, body), hook);
}

Result<json> JsonApi::ExtendDeadlines(const Actor& actor, const json& body, const TxnHook& hook) {
  return Run(actor, ParseExtendDeadlines(body), hook);
}

Result<json> JsonApi::GetOrder(const Actor& actor, const std::string& order_id) {
  AS_ASSIGN_OR_RETURN(OrderView view, engine_.queries().GetOrder(actor, order_id));
  return OrderJson(view);
}

Result<json> JsonApi::ListOrders(const Actor& actor, const OrderListParams& params) {
  AS_ASSIGN_OR_RETURN(OrderListQuery query, ParseOrderListQuery(params));
  AS_ASSIGN_OR_RETURN(OrderPage page, engine_.queries().ListOrders(actor, query));
  return OrderPageJson(page);
}

Result<std::string> JsonApi::GetCaseText(const Actor& actor, const std::string& case_id) {
  AS_ASSIGN_OR_RETURN(CaseView view, engine_.queries().GetCase(actor, case_id));
  return CaseJsonText(view);
}

Result<std::string> JsonApi::ListCasesText(const Actor& actor, const CaseListParams& params) {
  AS_ASSIGN_OR_RETURN(CaseListQuery query, ParseCaseListQuery(params));
  AS_ASSIGN_OR_RETURN(CasePage page, engine_.queries().ListCases(actor, query));
  return CasePageJsonText(page);
}

Result<json> JsonApi::GetCase(const Actor& actor, const std::string& case_id) {
  AS_ASSIGN_OR_RETURN(std::string text, GetCaseText(actor, case_id));
  return json::parse(text);
}

Result<json> JsonApi::ListCases(const Actor& actor, const CaseListParams& params) {
  AS_ASSIGN_OR_RETURN(std::string text, ListCasesText(actor, params));
  return json::parse(text);
}

Result<json> JsonApi::Timeline(const Actor& actor, const std::string& case_id) {
  AS_ASSIGN_OR_RETURN(aftersales::Timeline timeline, engine_.queries().GetTimeline(actor, case_id));
  return TimelineJson(timeline);
}

Result<json> JsonApi::PreviewExtension(const Actor& actor, const std::map<std::string, std::string>& query) {
  AS_ASSIGN_OR_RETURN(ExtensionPreview preview, engine_.extensions().Preview(actor, ParseExtensionPreview(query)));
  return ExtensionPreviewJson(preview);
}

}  // namespace aftersales
