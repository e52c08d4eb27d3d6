// 仅退款 refund_only: the buyer keeps the goods; the outcome is money alone.
// SPEC §4's common rows, the refund leg, and the SPEC §5 deadline expiries
// that have an effect. Comment and assign (any non-terminal state) are
// CaseMachine's internal rows.
#pragma once

#include "workflows/machine_parts.h"

namespace aftersales::workflow {

struct RefundOnlyMachine : CaseMachine<RefundOnlyMachine> {
  static constexpr TypeFacts kFacts{CaseType::kRefundOnly, /*returns_goods=*/false, /*replacement=*/false,
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
  msmf::Row< Requested,        MerchantResponseExpired, Settling,          Act<FixAgreedAmount>,                BySystem                       >,
  //      +------------------+------------------------+------------------+------------------------------------+-------------------------------+
  msmf::Row< PendingApproval,  Approve,                 Settling,          Act<FixAgreedAmount>,                BySupervisorWithinLimit        >,
  msmf::Row< PendingApproval,  Reject,                  Rejected,          Act<RecordRejection>,                ByAgent                        >,
  msmf::Row< PendingApproval,  MakeOffer,               Negotiating,       Act<RecordOffer>,                    ByAgentWithinLimit             >,
  msmf::Row< PendingApproval,  Cancel,                  Cancelled,         none,                                ByBuyer                        >,
  msmf::Row< PendingApproval,  MerchantResponseExpired, Settling,          Act<FixAgreedAmount>,                BySystem                       >,
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
  msmf::Row< Settling,         none,                    Refunding,         Act<CreatePendingRefund>,            When<MoneyDue>                 >,
  //      +------------------+------------------------+------------------+------------------------------------+-------------------------------+
  msmf::Row< Refunding,        RefundIssued,            Refunded,          Act<IssueRefund>,                    ByRefunder                     >,
  msmf::Row< Refunding,        RefundFailed,            none,              Act<FailRefund>,                     ByRefunder                     >
  > {};
  // clang-format on
};

}  // namespace aftersales::workflow
