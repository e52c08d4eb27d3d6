// 维修 repair (SPEC §12, 三包): the goods come back, are repaired and go
// back to the buyer; a failed repair ends in money or a replacement, by
// offer, approval or the buyer's legal remedy (demand_remedy). SPEC §4's
// common rows with §12's exceptions (approve in requested has no limit and
// approves the repair; offers only after a failed repair; no
// pending_approval), the return leg into `repairing`, §12's rows, then §4's
// money and replacement rows, and the deadline expiries that have an
// effect. Whether demand_remedy is open is decided by the engine
// (workflows/repair_rules.h: 422 remedy_not_available). Comment and assign
// (any non-terminal state) are CaseMachine's internal rows.
#pragma once

#include "workflows/machine_parts.h"

namespace aftersales::workflow {

struct RepairMachine : CaseMachine<RepairMachine> {
  static constexpr TypeFacts kFacts{CaseType::kRepair, /*returns_goods=*/true, /*replacement=*/true,
                                    LimitBasis::kLinesValue};
  // clang-format off
  struct transition_table : boost::mpl::vector<
  //        Start              Event                    Next               Action                                         Guard
  //      +------------------+------------------------+------------------+----------------------------------------------+-------------------------------+
  msmf::Row< Requested,        Approve,                 AwaitingReturn,    Act<FixAgreedAmount, MarkReturnDue>,           ByAgent                        >,
  msmf::Row< Requested,        Reject,                  Rejected,          Act<RecordRejection>,                          ByAgent                        >,
  msmf::Row< Requested,        Cancel,                  Cancelled,         none,                                          ByBuyer                        >,
  msmf::Row< Requested,        MerchantResponseExpired, AwaitingReturn,    Act<FixAgreedAmount, MarkReturnDue>,           BySystem                       >,
  //      +------------------+------------------------+------------------+----------------------------------------------+-------------------------------+
  msmf::Row< Negotiating,      AcceptOffer,             Refunding,         Act<AcceptOfferTerms, CreatePendingRefund>,    ByBuyer                        >,
  msmf::Row< Negotiating,      DeclineOffer,            RepairFailed,      Act<WithdrawOffer>,                            ByBuyer                        >,
  msmf::Row< Negotiating,      Appeal,                  Escalated,         Act<WithdrawOffer>,                            ByBuyer                        >,
  msmf::Row< Negotiating,      Cancel,                  Cancelled,         Act<WithdrawOffer>,                            ByBuyer                        >,
  msmf::Row< Negotiating,      BuyerResponseExpired,    Closed,            Act<CloseOfferExpired>,                        BySystem                       >,
  //      +------------------+------------------------+------------------+----------------------------------------------+-------------------------------+
  msmf::Row< Rejected,         Modify,                  Requested,         Act<ApplyModification>,                        ByBuyerWithModificationsLeft   >,
  msmf::Row< Rejected,         Appeal,                  Escalated,         none,                                          ByBuyer                        >,
  msmf::Row< Rejected,         Cancel,                  Cancelled,         none,                                          ByBuyer                        >,
  msmf::Row< Rejected,         AppealWindowExpired,     Closed,            Act<CloseRejectionFinal>,                      BySystem                       >,
  //      +------------------+------------------------+------------------+----------------------------------------------+-------------------------------+
  msmf::Row< Escalated,        Arbitrate,               AwaitingReturn,    Act<GrantArbitration, MarkReturnDue>,          ByManagerGrantingBeforeReceipt >,
  msmf::Row< Escalated,        Arbitrate,               Refunding,         Act<GrantRefundAfterReceipt, CreatePendingRefund>, ByManagerGrantingAfterReceipt >,
  msmf::Row< Escalated,        Arbitrate,               Closed,            Act<CloseRejectionUpheld>,                     ByManagerUpholding             >,
  //      +------------------+------------------------+------------------+----------------------------------------------+-------------------------------+
  msmf::Row< AwaitingReturn,   ShipReturn,              ReturnInTransit,   Act<RecordReturnShipment>,                     ByBuyer                        >,
  msmf::Row< AwaitingReturn,   Receive,                 Repairing,         Act<RecordInspection, EnterRepairing>,         ByWarehousePassing             >,
  msmf::Row< AwaitingReturn,   Receive,                 InspectionFailed,  Act<RecordInspection>,                         ByWarehouseFailing             >,
  msmf::Row< AwaitingReturn,   Cancel,                  Cancelled,         none,                                          ByBuyer                        >,
  msmf::Row< AwaitingReturn,   BuyerShipExpired,        Closed,            Act<CloseReturnNotShipped>,                    BySystem                       >,
  //      +------------------+------------------------+------------------+----------------------------------------------+-------------------------------+
  msmf::Row< ReturnInTransit,  CarrierUpdate,           none,              Act<RecordReturnDelivery>,                     ByCarrierFeed                  >,
  msmf::Row< ReturnInTransit,  Receive,                 Repairing,         Act<RecordInspection, EnterRepairing>,         ByWarehousePassing             >,
  msmf::Row< ReturnInTransit,  Receive,                 InspectionFailed,  Act<RecordInspection>,                         ByWarehouseFailing             >,
  msmf::Row< ReturnInTransit,  MerchantReceiptExpired,  Repairing,         Act<AutoReceive, EnterRepairing>,              BySystem                       >,
  //      +------------------+------------------------+------------------+----------------------------------------------+-------------------------------+
  msmf::Row< InspectionFailed, Approve,                 Repairing,         Act<FixAgreedAmount, EnterRepairing>,          ByAgent                        >,
  msmf::Row< InspectionFailed, Reject,                  Rejected,          Act<RecordRejection>,                          ByAgent                        >,
  //      +------------------+------------------------+------------------+----------------------------------------------+-------------------------------+
  msmf::Row< Repairing,        RepairUpdate,            none,              Act<RecordRepairProgress>,                     ByWarehouseRepairGoesOn        >,
  msmf::Row< Repairing,        RepairUpdate,            RepairReady,       Act<RecordRepairProgress, LeaveRepairing>,     ByWarehouseRepaired            >,
  msmf::Row< Repairing,        RepairUpdate,            RepairFailed,      Act<RecordRepairProgress, LeaveRepairing>,     ByWarehouseUnrepairable        >,
  msmf::Row< Repairing,        DemandRemedy,            Refunding,         Act<LeaveRepairing, RemedyRefund, CreatePendingRefund>, ByBuyerDemandingRefund >,
  msmf::Row< Repairing,        DemandRemedy,            ReplacementPending, Act<LeaveRepairing, RemedyReplacement>,       ByBuyerDemandingReplacement    >,
  //      +------------------+------------------------+------------------+----------------------------------------------+-------------------------------+
  msmf::Row< RepairReady,      ShipRepaired,            RepairedShipped,   Act<RecordRepairedShipment>,                   ByWarehouse                    >,
  //      +------------------+------------------------+------------------+----------------------------------------------+-------------------------------+
  msmf::Row< RepairedShipped,  CarrierUpdate,           none,              Act<RecordDelivery>,                           ByCarrierFeed                  >,
  msmf::Row< RepairedShipped,  ConfirmDelivery,         Repaired,          Act<ConfirmRepairedDelivery>,                  ByBuyer                        >,
  msmf::Row< RepairedShipped,  RepairedConfirmExpired,  Repaired,          Act<ConfirmRepairedDelivery>,                  BySystem                       >,
  //      +------------------+------------------------+------------------+----------------------------------------------+-------------------------------+
  msmf::Row< RepairFailed,     MakeOffer,               Negotiating,       Act<RecordOffer>,                              ByAgentWithinLimit             >,
  msmf::Row< RepairFailed,     Approve,                 ReplacementPending, Act<FixAgreedAmount>,                         ByAgentWithinLimit             >,
  msmf::Row< RepairFailed,     Appeal,                  Escalated,         none,                                          ByBuyer                        >,
  msmf::Row< RepairFailed,     DemandRemedy,            Refunding,         Act<RemedyRefund, CreatePendingRefund>,        ByBuyerDemandingRefund         >,
  msmf::Row< RepairFailed,     DemandRemedy,            ReplacementPending, Act<RemedyReplacement>,                       ByBuyerDemandingReplacement    >,
  //      +------------------+------------------------+------------------+----------------------------------------------+-------------------------------+
  msmf::Row< Refunding,        RefundIssued,            Refunded,          Act<IssueRefund>,                              ByRefunder                     >,
  msmf::Row< Refunding,        RefundFailed,            none,              Act<FailRefund>,                               ByRefunder                     >,
  //      +------------------+------------------------+------------------+----------------------------------------------+-------------------------------+
  msmf::Row< ReplacementPending, ShipReplacement,       ReplacementShipped, Act<RecordReplacementShipment>,               ByWarehouse                    >,
  //      +------------------+------------------------+------------------+----------------------------------------------+-------------------------------+
  msmf::Row< ReplacementShipped, ConfirmDelivery,       Exchanged,         Act<ConfirmReplacementDelivery>,               ByBuyer                        >,
  msmf::Row< ReplacementShipped, CarrierUpdate,         none,              Act<RecordDelivery>,                           ByCarrierFeed                  >,
  msmf::Row< ReplacementShipped, ReplacementConfirmExpired, Exchanged,     Act<ConfirmReplacementDelivery>,               BySystem                       >
  > {};
  // clang-format on
};

}  // namespace aftersales::workflow
