// 退货退款 return_refund: the goods come back, then the money goes out.
// SPEC §4's common rows, the return leg, the refund leg, and the SPEC §5
// deadline expiries that have an effect. Comment and assign (any
// non-terminal state) are CaseMachine's internal rows.
#pragma once

#include "workflows/machine_parts.h"

namespace aftersales::workflow {

struct ReturnRefundMachine : CaseMachine<ReturnRefundMachine> {
  static constexpr TypeFacts kFacts{CaseType::kReturnRefund, /*returns_goods=*/true, /*replacement=*/false,
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
  msmf::Row< Negotiating,      DeclineOffer,            Requested,         Act<WithdrawOffer>,                  ByBuyerBeforeReceipt           >,
  msmf::Row< Negotiating,      DeclineOffer,            InspectionFailed,  Act<WithdrawOffer>,                  ByBuyerAfterReceipt            >,
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
  msmf::Row< Settling,         none,                    AwaitingReturn,    Act<MarkReturnDue>,                  When<ReturnDue>                >,
  //      +------------------+------------------------+------------------+------------------------------------+-------------------------------+
  msmf::Row< AwaitingReturn,   ShipReturn,              ReturnInTransit,   Act<RecordReturnShipment>,           ByBuyer                        >,
  msmf::Row< AwaitingReturn,   Receive,                 Settling,          Act<RecordInspection>,               ByWarehousePassing             >,
  msmf::Row< AwaitingReturn,   Receive,                 InspectionFailed,  Act<RecordInspection>,               ByWarehouseFailing             >,
  msmf::Row< AwaitingReturn,   Cancel,                  Cancelled,         none,                                ByBuyer                        >,
  msmf::Row< AwaitingReturn,   BuyerShipExpired,        Closed,            Act<CloseReturnNotShipped>,          BySystem                       >,
  //      +------------------+------------------------+------------------+------------------------------------+-------------------------------+
  msmf::Row< ReturnInTransit,  CarrierUpdate,           none,              Act<RecordReturnDelivery>,           ByCarrierFeed                  >,
  msmf::Row< ReturnInTransit,  Receive,                 Settling,          Act<RecordInspection>,               ByWarehousePassing             >,
  msmf::Row< ReturnInTransit,  Receive,                 InspectionFailed,  Act<RecordInspection>,               ByWarehouseFailing             >,
  msmf::Row< ReturnInTransit,  MerchantReceiptExpired,  Settling,          Act<AutoReceive>,                    BySystem                       >,
  //      +------------------+------------------------+------------------+------------------------------------+-------------------------------+
  msmf::Row< InspectionFailed, Approve,                 Settling,          Act<FixAgreedAmount>,                ByAgentWithinLimit             >,
  msmf::Row< InspectionFailed, Reject,                  Rejected,          Act<RecordRejection>,                ByAgent                        >,
  msmf::Row< InspectionFailed, MakeOffer,               Negotiating,       Act<RecordOffer>,                    ByAgentWithinLimit             >,
  //      +------------------+------------------------+------------------+------------------------------------+-------------------------------+
  msmf::Row< Refunding,        RefundIssued,            Refunded,          Act<IssueRefund>,                    ByRefunder                     >,
  msmf::Row< Refunding,        RefundFailed,            none,              Act<FailRefund>,                     ByRefunder                     >
  > {};
  // clang-format on
};

}  // namespace aftersales::workflow
