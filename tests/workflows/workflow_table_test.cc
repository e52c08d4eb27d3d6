// The transition tables as data: what the engine derives from them.
#include <algorithm>
#include <catch2/catch.hpp>

#include "workflows/repair_rules.h"
#include "workflows/workflow.h"

namespace aftersales {
namespace {

Case InState(CaseType type, State s) {
  Case c;
  c.type = type;
  c.state = s;
  return c;
}

std::vector<std::string> Names(const std::vector<Action>& actions) {
  std::vector<std::string> out;
  for (Action a : actions) out.push_back(NameOf(a));
  return out;
}

using V = std::vector<std::string>;

TEST_CASE("each table has SPEC's rows and no other", "[workflows]") {
  // Rows per table, counted from SPEC §4 (common + legs) plus the SPEC §5
  // expiries with an effect, plus comment and assign.
  CHECK(Workflow::For(CaseType::kRefundOnly).rows().size() == 24 + 2);
  CHECK(Workflow::For(CaseType::kReturnRefund).rows().size() == 37 + 2);
  CHECK(Workflow::For(CaseType::kExchange).rows().size() == 41 + 2);
  CHECK(Workflow::For(CaseType::kRefundOnly).settle_rows().size() == 1);
  CHECK(Workflow::For(CaseType::kReturnRefund).settle_rows().size() == 2);
  CHECK(Workflow::For(CaseType::kExchange).settle_rows().size() == 3);
  // SPEC §11.3: the common rows (merchant_response escalates) and the
  // compensating leg: issue and fail per form, waive.
  CHECK(Workflow::For(CaseType::kCompensation).rows().size() == 27 + 2);
  CHECK(Workflow::For(CaseType::kCompensation).settle_rows().size() == 1);
  CHECK(Workflow::For(CaseType::kCompensation).settle_rows()[0].to == State::kCompensating);
  // §12: 47 rows (no pending_approval, every outcome written out: no junction).
  CHECK(Workflow::For(CaseType::kRepair).rows().size() == 47 + 2);
  CHECK(Workflow::For(CaseType::kRepair).settle_rows().empty());
}

TEST_CASE("a repair's table: no limit on approving the repair, the lines' value on a replacement", "[workflows][repair]") {
  const Workflow& rp = Workflow::For(CaseType::kRepair);
  const Case requested = InState(CaseType::kRepair, State::kRequested);
  CHECK(Names(rp.AllowedActions(requested, Role::kAgent)) == V{"approve", "reject", "comment"});
  CHECK_FALSE(rp.RequiresWithinLimit(requested, Action::kApprove, Role::kAgent));
  CHECK_FALSE(rp.RequiresWithinLimit(InState(CaseType::kRepair, State::kInspectionFailed), Action::kApprove,
                                     Role::kAgent));
  const Case failed = InState(CaseType::kRepair, State::kRepairFailed);
  CHECK(rp.RequiresWithinLimit(failed, Action::kApprove, Role::kAgent));
  CHECK(Names(rp.AllowedActions(failed, Role::kAgent)) == V{"approve", "offer", "comment"});
  CHECK(Names(rp.AllowedActions(failed, Role::kBuyer)) == V{"appeal", "comment", "demand_remedy"});
  const Case repairing = InState(CaseType::kRepair, State::kRepairing);
  CHECK(Names(rp.AllowedActions(repairing, Role::kWarehouse)) == V{"comment", "repair_update"});
  CHECK(Names(rp.AllowedActions(repairing, Role::kBuyer)) == V{"comment", "demand_remedy"});
  CHECK(Names(rp.AllowedActions(InState(CaseType::kRepair, State::kRepairedShipped), Role::kIntegration)) ==
        V{"comment", "carrier_update", "confirm_delivery"});
  CHECK(rp.AllowedActions(InState(CaseType::kRepair, State::kRepaired), Role::kManager).empty());
  CHECK_FALSE(rp.StateAllows(requested, Action::kOffer));
  CHECK(rp.NoteToBuyer(repairing, Action::kRepairUpdate));
  CHECK(RoleEverTakes(Role::kWarehouse, Action::kRepairUpdate));
  CHECK(RoleEverTakes(Role::kManager, Action::kShipRepaired));
  CHECK_FALSE(RoleEverTakes(Role::kAgent, Action::kRepairUpdate));
  CHECK(RoleEverTakes(Role::kIntegration, Action::kDemandRemedy));
  CHECK_FALSE(RoleEverTakes(Role::kManager, Action::kDemandRemedy));
}

TEST_CASE("a repair's receipt starts the repair with the attempt the engine counted", "[workflows][repair]") {
  Policy policy = DefaultPolicy();
  Case c = InState(CaseType::kRepair, State::kReturnInTransit);
  c.id = "r1";
  c.agreed_amount = 0;
  c.lines.push_back({"l1", 1, std::nullopt, 500});
  act::Receive receive;
  receive.pass = true;
  Actor warehouse{"u_w", Role::kWarehouse, std::nullopt, ""};
  TransitionContext ctx(c, warehouse, policy, 1000);
  ctx.repair_attempt = 3;
  REQUIRE(Workflow::For(c.type).Fire(ctx, receive).ok());
  CHECK(c.state == State::kRepairing);
  REQUIRE(c.repair.has_value());
  CHECK(c.repair->attempt == 3);
  CHECK(c.repair->repairing_from == 1000);
  CHECK(c.inspection->lines.at(0).restocked == 0);  // goods in for repair are not restocked
  CHECK(c.refunds.empty());
}

TEST_CASE("demand_remedy opens by attempts, or by an overrun unless parts are awaited", "[workflows][repair]") {
  Policy policy = DefaultPolicy();  // failures_before_choice 2
  Case c = InState(CaseType::kRepair, State::kRepairFailed);
  CHECK_FALSE(RemedyAvailable(c, policy, 0));  // never repaired
  c.repair = Repair{1, 0, {}, 100, std::nullopt};
  CHECK_FALSE(RemedyAvailable(c, policy, 0));
  c.repair->attempt = 2;
  CHECK(RemedyAvailable(c, policy, 0));
  c.state = State::kRepairing;
  CHECK_FALSE(RemedyAvailable(c, policy, 0));  // repairing: only after the choice's attempt
  c.repair->attempt = 3;
  CHECK(RemedyAvailable(c, policy, 0));
  c.repair->attempt = 1;
  c.deadlines.push_back({1, DeadlineKind::kRepairComplete, 100, 100 + 720 * kHour, /*breached=*/true});
  CHECK(RemedyAvailable(c, policy, 100 + 720 * kHour));
  c.repair->progress.push_back({"waiting_parts", {"t1", "x"}, 200, "u_w"});
  CHECK_FALSE(RemedyAvailable(c, policy, 100 + kWaitingPartsRemedyAfter - 1));
  CHECK(RemedyAvailable(c, policy, 100 + kWaitingPartsRemedyAfter));
  c.repair->progress.push_back({"diagnosed", {"t2", "y"}, 300, "u_w"});
  CHECK(RemedyAvailable(c, policy, 100 + 720 * kHour));
  c.state = State::kRepairReady;
  CHECK_FALSE(RemedyAvailable(c, policy, 100 + kWaitingPartsRemedyAfter));
  Case other = InState(CaseType::kExchange, State::kRepairFailed);
  other.repair = c.repair;
  CHECK_FALSE(RemedyAvailable(other, policy, 0));
}

TEST_CASE("attempts count the order's repair cases per line, and time in repairing moves the warranty", "[workflows][repair]") {
  Policy policy = DefaultPolicy();
  Case self = InState(CaseType::kRepair, State::kReturnInTransit);
  self.id = "r3";
  self.lines = {{"l1", 1, std::nullopt, 0}};
  Case repaired_before = InState(CaseType::kRepair, State::kRepaired);
  repaired_before.id = "r1";
  repaired_before.lines = {{"l1", 1, std::nullopt, 0}, {"l2", 1, std::nullopt, 0}};
  repaired_before.repair = Repair{1, 0, {}, 1000, 1000 + 5 * kDay};
  Case other_line = repaired_before;
  other_line.id = "r2";
  other_line.lines = {{"l2", 1, std::nullopt, 0}};
  Case never_repaired = InState(CaseType::kRepair, State::kCancelled);
  never_repaired.id = "r4";
  never_repaired.lines = {{"l1", 1, std::nullopt, 0}};
  never_repaired.repair = Repair{};
  Case exchange = InState(CaseType::kExchange, State::kExchanged);
  exchange.lines = {{"l1", 1, std::nullopt, 0}};
  const std::vector<Case> others = {repaired_before, other_line, never_repaired, exchange};
  CHECK(RepairAttempt(self, others) == 2);

  Case running = InState(CaseType::kRepair, State::kRepairing);
  running.lines = {{"l1", 1, std::nullopt, 0}};
  running.repair = Repair{2, 0, {}, 50 * kDay, std::nullopt};
  CHECK(TimeInRepairing(running, 53 * kDay) == 3 * kDay);
  CHECK(TimeInRepairing(repaired_before, 99 * kDay) == 5 * kDay);
  CHECK(TimeInRepairing(never_repaired, 99 * kDay) == 0);

  Order order;
  order.delivered_at = 0;
  order.lines = {{"l1", "SKU-TV-55", "TV", 2, 100000, true}};
  policy.warranty_days_by_sku_prefix = {{"SKU-TV", 730}};
  CHECK(WarrantyEnd(order, order.lines[0], {}, policy, 0) == 730 * kDay);
  CHECK(WarrantyEnd(order, order.lines[0], {repaired_before, running}, policy, 53 * kDay) == (730 + 5 + 3) * kDay);
}

TEST_CASE("compensation: who issues depends on the form, waive on the system's case only", "[workflows]") {
  const Workflow& wf = Workflow::For(CaseType::kCompensation);
  Case cash = InState(CaseType::kCompensation, State::kCompensating);
  cash.compensation.emplace().form = CompensationForm::kCash;
  Case voucher = cash;
  voucher.compensation->form = CompensationForm::kVoucher;
  Case points = cash;
  points.compensation->form = CompensationForm::kPoints;
  CHECK(Names(wf.AllowedActions(cash, Role::kFinance)) == V{"comment", "issue_compensation", "compensation_failed"});
  CHECK(Names(wf.AllowedActions(cash, Role::kIntegration)) == V{"comment"});
  CHECK(wf.StateAllows(cash, Action::kIssueCompensation));
  CHECK_FALSE(wf.StateAllowsRole(cash, Action::kIssueCompensation, Role::kIntegration));
  CHECK(Names(wf.AllowedActions(voucher, Role::kIntegration)) == V{"comment", "issue_compensation", "compensation_failed"});
  CHECK(Names(wf.AllowedActions(points, Role::kIntegration)) == V{"comment", "issue_compensation", "compensation_failed"});
  CHECK(Names(wf.AllowedActions(points, Role::kManager)) == V{"comment", "assign"});
  CHECK_FALSE(wf.StateAllows(voucher, Action::kWaive));
  voucher.system_submitted = true;
  CHECK(Names(wf.AllowedActions(voucher, Role::kManager)) == V{"comment", "assign", "waive"});
  CHECK(RoleEverTakes(Role::kManager, Action::kWaive));
  CHECK_FALSE(RoleEverTakes(Role::kSupervisor, Action::kWaive));
  CHECK_FALSE(RoleEverTakes(Role::kWarehouse, Action::kIssueCompensation));
  CHECK(Names(wf.AllowedActions(InState(CaseType::kCompensation, State::kCompensated), Role::kFinance)).empty());
}

TEST_CASE("allowed actions come from the table and the caller's role", "[workflows]") {
  const Workflow& rr = Workflow::For(CaseType::kReturnRefund);
  Case requested = InState(CaseType::kReturnRefund, State::kRequested);
  CHECK(Names(rr.AllowedActions(requested, Role::kAgent)) == V{"approve", "reject", "offer", "comment"});
  CHECK(Names(rr.AllowedActions(requested, Role::kSupervisor)) == V{"approve", "reject", "offer", "comment", "assign"});
  CHECK(Names(rr.AllowedActions(requested, Role::kBuyer)) == V{"cancel", "comment"});
  CHECK(Names(rr.AllowedActions(requested, Role::kFinance)) == V{"comment"});

  Case pending = InState(CaseType::kReturnRefund, State::kPendingApproval);
  CHECK(Names(rr.AllowedActions(pending, Role::kAgent)) == V{"reject", "offer", "comment"});
  CHECK(Names(rr.AllowedActions(pending, Role::kSupervisor)) == V{"approve", "reject", "offer", "comment", "assign"});

  Case transit = InState(CaseType::kReturnRefund, State::kReturnInTransit);
  CHECK(Names(rr.AllowedActions(transit, Role::kWarehouse)) == V{"comment", "carrier_update", "receive"});
  CHECK(Names(rr.AllowedActions(transit, Role::kIntegration)) == V{"comment", "carrier_update"});

  Case rejected = InState(CaseType::kReturnRefund, State::kRejected);
  CHECK(Names(rr.AllowedActions(rejected, Role::kBuyer)) == V{"modify", "appeal", "cancel", "comment"});
  rejected.modifications = 3;  // the 4th modify is refused
  CHECK(Names(rr.AllowedActions(rejected, Role::kBuyer)) == V{"appeal", "cancel", "comment"});
  CHECK_FALSE(rr.StateAllows(rejected, Action::kModify));

  Case done = InState(CaseType::kReturnRefund, State::kRefunded);
  CHECK(rr.AllowedActions(done, Role::kManager).empty());
}

TEST_CASE("approval limits: only requested has an over-limit row", "[workflows]") {
  const Workflow& ro = Workflow::For(CaseType::kRefundOnly);
  CHECK_FALSE(
      ro.RequiresWithinLimit(InState(CaseType::kRefundOnly, State::kRequested), Action::kApprove, Role::kAgent));
  CHECK(ro.RequiresWithinLimit(InState(CaseType::kRefundOnly, State::kPendingApproval), Action::kApprove,
                               Role::kSupervisor));
  CHECK(ro.RequiresWithinLimit(InState(CaseType::kRefundOnly, State::kRequested), Action::kOffer, Role::kAgent));
  const Workflow& rr = Workflow::For(CaseType::kReturnRefund);
  CHECK(rr.RequiresWithinLimit(InState(CaseType::kReturnRefund, State::kInspectionFailed), Action::kApprove,
                               Role::kAgent));
}

TEST_CASE("which roles ever take an action", "[workflows]") {
  CHECK(RoleEverTakes(Role::kAgent, Action::kApprove));
  CHECK_FALSE(RoleEverTakes(Role::kFinance, Action::kApprove));
  CHECK_FALSE(RoleEverTakes(Role::kBuyer, Action::kApprove));
  CHECK(RoleEverTakes(Role::kWarehouse, Action::kShipReplacement));
  CHECK(RoleEverTakes(Role::kManager, Action::kReceive));
  CHECK_FALSE(RoleEverTakes(Role::kAgent, Action::kReceive));
  CHECK(RoleEverTakes(Role::kFinance, Action::kComment));
  CHECK_FALSE(RoleEverTakes(Role::kAgent, Action::kAssign));
  CHECK(RoleEverTakes(Role::kIntegration, Action::kSubmit));
  CHECK_FALSE(RoleEverTakes(Role::kWarehouse, Action::kSubmit));
}

TEST_CASE("the machine restores the persisted state and runs one event", "[workflows]") {
  Policy policy = DefaultPolicy();
  Case c = InState(CaseType::kReturnRefund, State::kReturnInTransit);
  c.id = "c1";
  c.agreed_amount = 500;
  c.return_required = true;
  c.lines.push_back({"l1", 1, std::nullopt, 500});
  act::Receive receive;
  receive.pass = true;
  Actor warehouse{"u_w", Role::kWarehouse, std::nullopt, ""};
  TransitionContext ctx(c, warehouse, policy, 1000);
  ctx.cap = 500;
  REQUIRE(Workflow::For(c.type).Fire(ctx, receive).ok());
  CHECK(c.state == State::kRefunding);
  REQUIRE(c.refunds.size() == 1);
  CHECK(c.refunds[0].amount == 500);
  CHECK(c.GoodsReceived());

  // No row: the case is untouched and the answer is invalid_transition.
  Case closed = InState(CaseType::kReturnRefund, State::kClosed);
  TransitionContext ctx2(closed, warehouse, policy, 1000);
  ctx2.cap = 500;
  CHECK(Workflow::For(closed.type).Fire(ctx2, receive).code() == Code::kInvalidTransition);
  CHECK(closed.state == State::kClosed);
}

TEST_CASE("the shipped policy parses and a bad one names its key", "[policy]") {
  Policy p = DefaultPolicy();
  CHECK(p.no_reason_window_days == 7);
  CHECK(p.default_window_days == 15);
  CHECK(p.agent_limit == 20000);
  CHECK(p.supervisor_limit == 200000);
  CHECK(p.DueAt(DeadlineKind::kMerchantResponse, 1000) == 1000 + 48 * 3600);
  CHECK(p.DueAt(DeadlineKind::kReplacementConfirm, 1000) == 1000 + 240 * 3600);
  CHECK(p.IsReason("no_reason"));
  CHECK(p.IsRejectReason("duplicate_request"));

  auto doc = nlohmann::json::parse(DefaultPolicyJson());
  auto bad = doc;
  bad["deadlines"]["buyer_ship"]["hours"] = "168";
  auto r = ParsePolicy(bad);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().errors().at(0).field == "deadlines.buyer_ship.hours");
  bad = doc;
  bad["return_window_days"]["no_reasons"] = 7;
  CHECK(ParsePolicy(bad).status().errors().at(0).field == "return_window_days.no_reasons");
  bad = doc;
  bad["approval_limits"]["agent"] = -1;
  CHECK(ParsePolicy(bad).status().errors().at(0).field == "approval_limits.agent");
  bad = doc;
  bad.erase("reasons");
  CHECK(ParsePolicy(bad).status().errors().at(0).field == "reasons");
}

TEST_CASE("the scorecard and risk sections are optional, validated, and default to the shipped ones", "[policy]") {
  const Policy shipped = DefaultPolicy();
  CHECK(shipped.scorecard.PointsOf("sla_breach") == -5);
  CHECK(shipped.scorecard.PointsOf("decision_on_time") == 1);
  CHECK(shipped.scorecard.BandOf(50) == "bonus");
  CHECK(shipped.scorecard.BandOf(49) == "normal");
  CHECK(shipped.scorecard.BandOf(0) == "normal");
  CHECK(shipped.scorecard.BandOf(-1) == "review");
  CHECK(shipped.risk.window_days == 90);
  CHECK(shipped.risk.require_supervisor);

  auto doc = nlohmann::json::parse(DefaultPolicyJson());
  auto without = doc;
  without.erase("scorecard");
  without.erase("risk");
  auto parsed = ParsePolicy(without);
  REQUIRE(parsed.ok());
  CHECK(parsed->scorecard.points == shipped.scorecard.points);
  CHECK(parsed->risk.cases == shipped.risk.cases);

  auto custom = doc;
  custom["scorecard"]["points"]["sla_breach"] = -10;
  custom["scorecard"]["bands"] = {{{"name", "top"}, {"min_points", 5}}, {{"name", "rest"}}};
  custom["risk"]["thresholds"]["cases"] = 2;
  custom["risk"]["require_supervisor"] = false;
  parsed = ParsePolicy(custom);
  REQUIRE(parsed.ok());
  CHECK(parsed->scorecard.PointsOf("sla_breach") == -10);
  CHECK(parsed->scorecard.BandOf(5) == "top");
  CHECK(parsed->scorecard.BandOf(4) == "rest");
  CHECK(parsed->risk.cases == 2);
  CHECK_FALSE(parsed->risk.require_supervisor);

  auto field_of_error = [&](const nlohmann::json& bad) {
    auto r = ParsePolicy(bad);
    REQUIRE_FALSE(r.ok());
    return r.status().errors().at(0).field;
  };
  auto bad = doc;
  bad["scorecard"]["points"]["coffee_breaks"] = 1;
  CHECK(field_of_error(bad) == "scorecard.points.coffee_breaks");
  bad = doc;
  bad["scorecard"]["points"].erase("sla_breach");
  CHECK(field_of_error(bad) == "scorecard.points.sla_breach");
  bad = doc;
  bad["scorecard"]["bands"] = {
      {{"name", "low"}, {"min_points", 0}}, {{"name", "high"}, {"min_points", 10}}, {{"name", "rest"}}};
  CHECK(field_of_error(bad) == "scorecard.bands[1].min_points");
  bad = doc;
  bad["scorecard"]["bands"] = {{{"name", "only"}, {"min_points", 0}}};
  CHECK(field_of_error(bad) == "scorecard.bands[0].min_points");
  bad = doc;
  bad["risk"]["thresholds"]["cases"] = 0;
  CHECK(field_of_error(bad) == "risk.thresholds.cases");
  bad = doc;
  bad["risk"]["require_supervisor"] = "yes";
  CHECK(field_of_error(bad) == "risk.require_supervisor");
}


TEST_CASE("AllowedActions is StateAllowsRole of every action but submit and timeout in the enum's order",
          "[workflows]") {
  // Every table, state and role, on cases whose gates answer both ways.
  std::vector<Case> variants(1);
  variants.emplace_back().modifications = 3;  // no modification left: a buyer's modify is refused
  for (const CompensationForm form : {CompensationForm::kCash, CompensationForm::kVoucher, CompensationForm::kPoints}) {
    Case c;
    c.compensation.emplace().form = form;
    variants.push_back(c);
    c.system_submitted = true;
    variants.push_back(c);
  }
  int compared = 0;
  int non_empty = 0;
  for (const CaseType type : {CaseType::kRefundOnly, CaseType::kReturnRefund, CaseType::kExchange,
                              CaseType::kCompensation, CaseType::kRepair}) {
    const Workflow& wf = Workflow::For(type);
    for (Case kase : variants) {
      kase.type = type;
      for (int s = 0; s < kStateCount; ++s) {
        kase.state = static_cast<State>(s);
        for (int r = 0; r < kRoleCount; ++r) {
          const auto role = static_cast<Role>(r);
          std::vector<Action> expected;
          for (int a = 0; a < kActionCount; ++a) {
            const auto action = static_cast<Action>(a);
            if (action == Action::kSubmit || action == Action::kTimeout) continue;
            if (wf.StateAllowsRole(kase, action, role)) expected.push_back(action);
          }
          const std::vector<Action> allowed = wf.AllowedActions(kase, role);
          if (allowed != expected) FAIL_CHECK(NameOf(type) << " " << NameOf(kase.state) << " " << NameOf(role));
          ++compared;
          if (!allowed.empty()) ++non_empty;
        }
      }
    }
  }
  CHECK(compared == 5 * 8 * kStateCount * kRoleCount);
  CHECK(non_empty > 100);
}
}  // namespace
}  // namespace aftersales
