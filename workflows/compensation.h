// 补偿 compensation (SPEC §11): money, a voucher or points beyond the
// goods' refund, without a return. SPEC §4's common rows; after approval
// the case is `compensating` until finance (cash) or finance or the
// integration (voucher, points) issues it. An expired merchant_response
// escalates (no automatic money, SPEC §11.3); compensation_issue only
// breaches. A manager may waive the system's late compensation (§10.4).
// Comment and assign (any non-terminal state) are CaseMachine's internal rows.
#pragma once

#include "workflows/machine_parts.h"

namespace aftersales::workflow {

struct CompensationMachine : CaseMachine<CompensationMachine> {
  static constexpr TypeFacts kFacts{CaseType::kCompensation, /*returns_goods=*/false, /*replacement=*/false,
                                    LimitBasis::kRequestedAmount};
  // clang-format off
  struct transition_table : boost::mpl::vector<
  //        Start              Event                    Next               Action                               Guard
  //      +------------------+------------------------+------------------+------------------------------------+-------------------------------+
  msmf::Row< Requested,        Approve,                 Settling,          Act<FixAgreedAmount>,                ByAgentWithinLimit             >,
  msmf::Row< Requested,        Approve,                 PendingApproval,   Act<ReferToSupervisor>,              ByAgentOverLimit               >,
  msmf::Row< Requested,        Reject,                  Rejected,          Act<RecordRejection>,                ByAgent                        >,
  msmf::Row< Requested,        MakeOffer,               Negotiating,       Act<RecordOffer>,                    ByAgentWithinLimit             >,
  msmf::Row< Requested,        Cancel,                  Cancelled,         none,                                ByBuyer                        >,
  msmf::Row< Requested,        MerchantResponseExpired, Escalated,         none,                                BySystem                       >,
  //      +------------------+------------------------+------------------+------------------------------------+-------------------------------+
  msmf::Row< PendingApproval,  Approve,                 Settling,          Act<FixAgreedAmount>,                BySupervisorWithinLimit        >,
  msmf::Row< PendingApproval,  Reject,                  Rejected,          Act<RecordRejection>,                ByAgent                        >,
  msmf::Row< PendingApproval,  MakeOffer,               Negotiating,       Act<RecordOffer>,                    ByAgentWithinLimit             >,
  msmf::Row< PendingApproval,  Cancel,                  Cancelled,         none,                                ByBuyer                        >,
  msmf::Row< PendingApproval,  MerchantResponseExpired, Escalated,         none,                                BySystem                       >,
  //      +------------------+------------------------+------------------+------------------------------------+-------------------------------+
  msmf::Row< Negotiating,      AcceptOffer,             Settling,          Act<AcceptOfferTerms>,               ByBuyer                        >,
  msmf::Row< Negotiating,      DeclineOffer,            Requested,         Act<WithdrawOffer>,                  ByBuyer                        >,
  msmf::Row< Negotiating,      Appeal,                  Escalated,         Act<WithdrawOffer>,                  ByBuyer                        >,
  msmf::Row< Negotiating,      Cancel,                  Cancelled,         Act<WithdrawOffer>,                  ByBuyer                        >,
  msmf::Row< Negotiating,      BuyerResponseExpired,    Closed,            Act<CloseOfferExpired>,              BySystem                       >,
  //      +------------------+------------------------+------------------+------------------------------------+-------------------------------+
  msmf::Row< Rejected,         Modify,                  Requested,         Act<ApplyModification>,              ByBuyerWithModificationsLeft   >,
  msmf::Row< Rejected,         Appeal,                  Escalated,         none,                                ByBuyer                        >,
  msmf::Row< Rejected,         Cancel,                  Cancelled,         none,                                ByBuyer                        >,
  msmf::Row< Rejected,         AppealWindowExpired,     Closed,            Act<CloseRejectionFinal>,            BySystem                       >,
  //      +------------------+------------------------+------------------+------------------------------------+-------------------------------+
  msmf::Row< Escalated,        Arbitrate,               Settling,          Act<GrantArbitration>,               ByManagerGranting              >,
  msmf::Row< Escalated,        Arbitrate,               Closed,            Act<CloseRejectionUpheld>,           ByManagerUpholding             >,
  //      +------------------+------------------------+------------------+------------------------------------+-------------------------------+
  msmf::Row< Settling,         none,                    Compensating,      Act<StartCompensation>,              When<CompensationDue>          >,
  //      +------------------+------------------------+------------------+------------------------------------+-------------------------------+
  msmf::Row< Compensating,     IssueCompensation,       Compensated,       Act<IssueCompensationRecord>,        ByCashIssuer                   >,
  msmf::Row< Compensating,     IssueCompensation,       Compensated,       Act<IssueCompensationRecord>,        ByVoucherIssuer                >,
  msmf::Row< Compensating,     CompensationFailed,      none,              Act<FailCompensation>,               ByCashIssuer                   >,
  msmf::Row< Compensating,     CompensationFailed,      none,              Act<FailCompensation>,               ByVoucherIssuer                >,
  msmf::Row< Compensating,     Waive,                   Closed,            Act<WaiveCompensation>,              ByManagerWaiving               >
  > {};
  // clang-format on
};

}  // namespace aftersales::workflow
