#include "demo/demo_seeder.h"

#include <algorithm>
#include <map>
#include <set>

#include "api/json_api.h"
#include "engine/audit/audit_log.h"
#include "engine/cases/case_engine.h"
#include "engine/users/user_service.h"

namespace aftersales {
namespace {

using nlohmann::json;

struct Product {
  const char* sku;
  const char* title;
  Money price;  // per unit, fen
  bool no_reason_return;
};

constexpr Product kProducts[] = {
    {"EAR-BT-200", "蓝牙降噪耳机 Bluetooth noise-cancelling earbuds", 29900, true},
    {"JKT-DOWN-L", "轻薄羽绒服 Light down jacket (L)", 89900, true},
    {"CUP-TH-500", "保温杯 500ml Thermos cup", 12900, true},
    {"SHOE-RUN-42", "缓震跑步鞋 Running shoes (42)", 59900, true},
    {"KB-MECH-87", "机械键盘 87键 Mechanical keyboard", 39900, true},
    {"CRM-FACE-50", "保湿面霜 Moisturising cream 50g", 25800, false},
    {"BOOK-KIDS-6", "儿童绘本套装 Picture books for children (6)", 15900, true},
    {"RICE-CK-3L", "智能电饭煲 3L Rice cooker", 49900, true},
    {"TEE-COT-M", "纯棉T恤 Cotton T-shirt (M)", 7900, true},
    {"LAMP-DESK", "护眼台灯 Desk lamp", 19900, true},
};

// The demo's one buyer whose history the abuse signals flag.
constexpr const char* kSerialRefunder = "b-1030";

// One step of a story: `at` hours after the story starts, `who` takes
// `action` (or "submit"), with `body`.
struct Step {
  double at;
  std::string who;
  std::string action;
  json body;
};

// A case's life: it starts `start_ago` hours before the end of the demo.
struct Story {
  double start_ago;
  std::string type;
  std::string reason;
  int product;
  int qty;
  std::string buyer;  // buyer_id
  std::string description;
  std::vector<Step> steps;
};

std::vector<Story> Stories() {
  const json none = json::object();
  std::vector<Story> s = {
      // ---- 仅退款 refund_only --------------------------------------------------
      {6, "refund_only", "not_received", 2, 1, "b-1001", "包裹显示已签收，但我没有收到。The parcel says delivered but I never got it.", {}},
      {20, "refund_only", "quality_issue", 3, 1, "b-1002", "鞋底开胶 The sole is coming off after two days.",
       {{1, "supervisor", "assign", {{"assignee", "@agent1"}}}, {2, "agent1", "comment", {{"text", "Asked the buyer for a photo of the sole."}}}}},
      {30, "refund_only", "damaged_in_transit", 1, 1, "b-1003", "外箱破损，羽绒服被划破。Box crushed, jacket torn.",
       {{2, "agent1", "approve", none}}},
      {40, "refund_only", "missing_parts", 4, 1, "b-1004", "缺少键帽拔取器 Key puller missing.",
       {{3, "agent2", "offer", {{"amount", 3000}, {"return_required", false}, {"note", "We can refund ¥30 for the missing puller."}}}}},
      {50, "refund_only", "other", 9, 1, "b-1005", "不想要了 Changed my mind.",
       {{5, "agent1", "reject", {{"reason_code", "missing_evidence"}, {"note", "No reason given for a refund-only request."}}}}},
      {100, "refund_only", "not_as_described", 7, 1, "b-1006", "颜色和图片差别很大 Colour is very different from the photos.",
       {{4, "agent2", "reject", {{"reason_code", "used_or_damaged_by_buyer"}}},
        {20, "buyer:b-1006", "appeal", {{"note", "I never used it, please check the photos again."}}}}},
      {10, "refund_only", "quality_issue", 2, 1, "b-1007", "杯盖漏水 The lid leaks.", {{1, "agent1", "approve", none}}},
      {200, "refund_only", "wrong_item", 8, 2, "b-1008", "发错颜色 Wrong colour sent.",
       {{2, "agent1", "approve", none}, {10, "finance", "refund_issued", {{"external_ref", "ALIPAY-20261110-0001"}}}}},
      {300, "refund_only", "missing_parts", 6, 1, "b-1009", "少了一本 One book is missing.",
       {{2, "agent2", "offer", {{"amount", 2600}, {"return_required", false}}}}},
      {150, "refund_only", "not_as_described", 5, 1, "b-1010", "味道不一样 The cream smells different.",
       {{3, "agent1", "reject", {{"reason_code", "not_eligible"}}},
        {10, "buyer:b-1010", "appeal", {{"note", "It is clearly not the same product."}}},
        {30, "manager", "arbitrate", {{"decision", "uphold"}, {"note", "Batch checked: same formula."}}}}},
      {60, "refund_only", "not_received", 0, 1, "b-1011", "快递太慢 Delivery too slow.", {{1, "buyer:b-1011", "cancel", none}}},
      {120, "refund_only", "quality_issue", 9, 1, "b-1012", "台灯闪烁 The lamp flickers.",
       {{60, "finance", "refund_issued", {{"external_ref", "WXPAY-20261124-0042"}}}}},
      // ---- 退货退款 return_refund ---------------------------------------------
      {12, "return_refund", "no_reason", 4, 1, "b-1001", "七天无理由退货 Seven-day no-reason return.", {}},
      {50, "return_refund", "quality_issue", 0, 1, "b-1002", "左耳没有声音 No sound from the left earbud.",
       {{2, "supervisor", "approve", none}}},
      {90, "return_refund", "not_as_described", 3, 1, "b-1003", "尺码偏小 Runs small.",
       {{2, "supervisor", "approve", none}, {20, "buyer:b-1003", "ship_return", {{"carrier", "SF Express"}, {"tracking_no", "SF1402839911"}}}}},
      {120, "return_refund", "quality_issue", 7, 1, "b-1004", "加热不均匀 Heats unevenly.",
       {{1, "supervisor", "approve", none},
        {10, "buyer:b-1004", "ship_return", {{"carrier", "JD Logistics"}, {"tracking_no", "JDV002233441"}}},
        {60, "integration", "carrier_update", {{"shipment", "return"}, {"status", "delivered"}, {"at", "@now"}}}}},
      {150, "return_refund", "no_reason", 1, 1, "b-1005", "不合适 Does not fit.",
       {{2, "supervisor", "approve", none},
        {10, "buyer:b-1005", "ship_return", {{"carrier", "YTO Express"}, {"tracking_no", "YT7788990011"}}},
        {40, "warehouse", "receive", {{"result", "fail"}, {"grade", "C"}, {"note", "Tags removed and a stain on the sleeve."}, {"restock", false}}}}},
      {100, "return_refund", "wrong_item", 4, 1, "b-1006", "收到的是茶轴 Received brown switches, ordered red.",
       {{1, "supervisor", "approve", none},
        {20, "buyer:b-1006", "ship_return", {{"carrier", "SF Express"}, {"tracking_no", "SF1402830002"}}},
        {50, "warehouse", "receive", {{"result", "pass"}, {"grade", "A"}}}}},
      {380, "return_refund", "quality_issue", 0, 1, "b-1007", "充电盒无法充电 The case does not charge.",
       {{3, "supervisor", "approve", none},
        {24, "buyer:b-1007", "ship_return", {{"carrier", "ZTO Express"}, {"tracking_no", "ZT5544332211"}}},
        {72, "warehouse", "receive", {{"result", "pass"}, {"grade", "B"}}},
        {10 + 72 + 24 + 3, "finance", "refund_issued", {{"external_ref", "ALIPAY-20261115-0107"}}}}},
      {400, "return_refund", "no_reason", 8, 1, "b-1008", "家里已经有一个了 Already have one.",
       {{2, "agent1", "approve", none},
        {10, "buyer:b-1008", "ship_return", {{"carrier", "SF Express"}, {"tracking_no", "SF1402830077"}}},
        {300, "finance", "refund_issued", {{"external_ref", "WXPAY-20261123-0200"}}}}},
      {420, "return_refund", "no_reason", 2, 1, "b-1009", "买重复了 Bought twice by mistake.", {{2, "agent1", "approve", none}}},
      {200, "return_refund", "quality_issue", 1, 1, "b-1010", "拉链坏了 The zip is broken.",
       {{2, "supervisor", "approve", none},
        {10, "buyer:b-1010", "ship_return", {{"carrier", "EMS"}, {"tracking_no", "EM123456789CN"}}},
        {30, "warehouse", "receive", {{"result", "fail"}, {"grade", "B"}, {"note", "Zip works; a thread is loose."}}},
        {35, "supervisor", "offer", {{"amount", 20000}, {"return_required", false}, {"note", "Partial refund of ¥200 and we send the jacket back to you."}}}}},
      {70, "return_refund", "other", 9, 1, "b-1011", "不喜欢 Do not like it.",
       {{2, "agent2", "reject", {{"reason_code", "missing_evidence"}}},
        {5, "buyer:b-1011", "modify", {{"description", "灯光太刺眼，附照片 The light is too harsh; photos attached."}, {"evidence", {"https://img.example.com/returns/lamp-1.jpg"}}}}}},
      {110, "return_refund", "quality_issue", 6, 1, "b-1012", "书页破损 Torn pages.",
       {{1, "agent1", "approve", none},
        {10, "buyer:b-1012", "ship_return", {{"carrier", "YunDa"}, {"tracking_no", "YD3300112244"}}},
        {30, "warehouse", "receive", {{"result", "pass"}, {"grade", "A"}}},
        {35, "finance", "refund_failed", {{"error", "Payment channel timeout"}}}}},
      // ---- 换货 exchange -------------------------------------------------------
      {8, "exchange", "not_as_described", 3, 1, "b-1001", "换大一码 Please exchange for size 43.", {}},
      {40, "exchange", "quality_issue", 0, 1, "b-1002", "右耳杂音 Crackling in the right earbud.", {{3, "supervisor", "approve", none}}},
      {90, "exchange", "wrong_item", 8, 1, "b-1003", "要白色 Wanted white.",
       {{2, "supervisor", "approve", none},
        {10, "buyer:b-1003", "ship_return", {{"carrier", "SF Express"}, {"tracking_no", "SF1402831234"}}},
        {40, "warehouse", "receive", {{"result", "pass"}, {"grade", "A"}}}}},
      {200, "exchange", "quality_issue", 2, 1, "b-1004", "杯身凹陷 Dented cup.",
       {{2, "supervisor", "approve", none},
        {10, "buyer:b-1004", "ship_return", {{"carrier", "ZTO Express"}, {"tracking_no", "ZT5544330000"}}},
        {30, "warehouse", "receive", {{"result", "pass"}, {"grade", "B"}}}}},
      {150, "exchange", "not_as_described", 1, 1, "b-1005", "换M码 Exchange for size M.",
       {{2, "supervisor", "approve", none},
        {20, "buyer:b-1005", "ship_return", {{"carrier", "SF Express"}, {"tracking_no", "SF1402835555"}}},
        {50, "warehouse", "receive", {{"result", "pass"}, {"grade", "A"}}},
        {60, "warehouse", "ship_replacement", {{"carrier", "SF Express"}, {"tracking_no", "SF9900112233"}}}}},
      {300, "exchange", "quality_issue", 4, 1, "b-1006", "空格键卡键 Space bar sticks.",
       {{2, "supervisor", "approve", none},
        {20, "buyer:b-1006", "ship_return", {{"carrier", "JD Logistics"}, {"tracking_no", "JDV002233000"}}},
        {50, "warehouse", "receive", {{"result", "pass"}, {"grade", "B"}}},
        {60, "warehouse", "ship_replacement", {{"carrier", "JD Logistics"}, {"tracking_no", "JDV009988776"}}},
        {110, "buyer:b-1006", "confirm_delivery", none}}},
      {430, "exchange", "wrong_item", 9, 1, "b-1007", "换成黑色 Black instead of white.",
       {{2, "supervisor", "approve", none},
        {20, "buyer:b-1007", "ship_return", {{"carrier", "YTO Express"}, {"tracking_no", "YT7788990000"}}},
        {50, "warehouse", "receive", {{"result", "pass"}, {"grade", "A"}}},
        {62, "warehouse", "ship_replacement", {{"carrier", "YTO Express"}, {"tracking_no", "YT1122334455"}}}}},
      {250, "exchange", "quality_issue", 7, 1, "b-1008", "内胆涂层脱落 Coating peeling off.",
       {{2, "agent2", "reject", {{"reason_code", "used_or_damaged_by_buyer"}}},
        {10, "buyer:b-1008", "appeal", {{"note", "It was like this when it arrived; photos sent."}}},
        {20, "manager", "arbitrate", {{"decision", "grant"}, {"note", "Known coating defect in this batch."}}},
        {50, "buyer:b-1008", "ship_return", {{"carrier", "SF Express"}, {"tracking_no", "SF1402830999"}}},
        {100, "warehouse", "receive", {{"result", "pass"}, {"grade", "C"}}}}},
      {16, "return_refund", "quality_issue", 7, 1, "b-1003", "内胆有划痕 Scratches inside the pot.", {{1, "agent1", "approve", none}}},
      {26, "return_refund", "other", 2, 1, "b-1004", "杯子太小 The cup is too small.",
       {{2, "agent2", "reject", {{"reason_code", "other"}, {"note", "Size is listed on the product page."}}}}},
      {60, "return_refund", "not_as_described", 3, 1, "b-1005", "鞋子颜色偏暗 Darker than pictured.",
       {{2, "agent1", "reject", {{"reason_code", "missing_evidence"}}},
        {10, "buyer:b-1005", "appeal", {{"note", "Photos in daylight attached."}}}}},
      {30, "return_refund", "no_reason", 8, 1, "b-1006", "七天无理由 Seven-day return.",
       {{1, "agent2", "approve", none}, {3, "buyer:b-1006", "cancel", none}}},
      {14, "exchange", "quality_issue", 3, 1, "b-1007", "鞋带孔开裂 Eyelet split.", {{1, "agent1", "approve", none}}},
      {36, "exchange", "quality_issue", 4, 1, "b-1008", "有一个键不灵 One key unreliable.",
       {{2, "agent2", "offer", {{"amount", 5000}, {"return_required", false}, {"note", "Keep it with ¥50 back instead of an exchange?"}}}}},
      {22, "exchange", "other", 9, 1, "b-1009", "再买一件 Want another one.",
       {{1, "agent1", "reject", {{"reason_code", "duplicate_request"}}}}},
      {44, "exchange", "not_as_described", 1, 1, "b-1010", "颜色不对 Not the colour shown.",
       {{2, "agent1", "reject", {{"reason_code", "missing_evidence"}}},
        {6, "buyer:b-1010", "appeal", {{"note", "The listing photo shows navy, I got black."}}}}},
      {70, "exchange", "quality_issue", 0, 1, "b-1011", "充电接触不良 Charging contacts loose.",
       {{1, "supervisor", "approve", none},
        {5, "buyer:b-1011", "ship_return", {{"carrier", "SF Express"}, {"tracking_no", "SF1402837777"}}},
        {30, "warehouse", "receive", {{"result", "fail"}, {"grade", "C"}, {"note", "Water damage inside the case."}, {"restock", false}}}}},
      {80, "exchange", "quality_issue", 2, 1, "b-1012", "杯盖不紧 Lid does not close tightly.",
       {{1, "agent1", "offer", {{"amount", 3000}, {"return_required", false}}}, {5, "buyer:b-1012", "accept_offer", none}}},
      {160, "exchange", "quality_issue", 6, 1, "b-1001", "封面折痕 Creased cover.",
       {{1, "agent2", "offer", {{"amount", 2000}, {"return_required", false}}},
        {4, "buyer:b-1001", "accept_offer", none},
        {20, "finance", "refund_issued", {{"external_ref", "ALIPAY-20261120-0311"}}}}},
      {300, "exchange", "wrong_item", 8, 1, "b-1002", "尺码发错 Wrong size sent.", {{2, "agent1", "approve", none}}},
      {20, "exchange", "not_as_described", 9, 1, "b-1003", "换个颜色 Different colour please.", {{2, "buyer:b-1003", "cancel", none}}},
      {60, "exchange", "wrong_item", 5, 1, "b-1004", "发成了旧包装 Old packaging sent.",
       {{2, "supervisor", "approve", none},
        {12, "buyer:b-1004", "ship_return", {{"carrier", "SF Express"}, {"tracking_no", "SF1402836060"}}}}},
      // ---- 维修 repair (SPEC §12): one buyer each, every state a first repair reaches
      {20, "repair", "quality_issue", 0, 1, "b-1040", "耳机充不进电 The earbuds no longer charge.", {}},
      {40, "repair", "quality_issue", 7, 1, "b-1041", "电饭煲不加热 The rice cooker does not heat.", {{2, "agent1", "approve", none}}},
      {70, "repair", "quality_issue", 4, 1, "b-1042", "部分按键失灵 Some keys are dead.",
       {{2, "agent2", "approve", none}, {10, "buyer:b-1042", "ship_return", {{"carrier", "SF Express"}, {"tracking_no", "SF1402840001"}}}}},
      {120, "repair", "quality_issue", 9, 1, "b-1043", "台灯不亮 The lamp does not light.",
       {{2, "agent1", "approve", none},
        {10, "buyer:b-1043", "ship_return", {{"carrier", "ZTO Express"}, {"tracking_no", "ZT5544330043"}}},
        {40, "warehouse", "receive", {{"result", "pass"}}},
        {50, "warehouse", "repair_update", {{"status", "waiting_parts"}, {"note", "驱动板已订购 LED driver board ordered from the maker."}}}}},
      {150, "repair", "quality_issue", 1, 1, "b-1044", "拉链头脱落 The zip pull came off.",
       {{2, "supervisor", "approve", none},
        {10, "buyer:b-1044", "ship_return", {{"carrier", "YTO Express"}, {"tracking_no", "YT7788990044"}}},
        {40, "warehouse", "receive", {{"result", "pass"}, {"grade", "B"}}},
        {60, "warehouse", "repair_update", {{"status", "repaired"}, {"note", "拉链头已更换 New zip pull fitted."}}}}},
      {200, "repair", "quality_issue", 7, 1, "b-1045", "显示屏乱码 The display shows garbage.",
       {{2, "agent2", "approve", none},
        {10, "buyer:b-1045", "ship_return", {{"carrier", "JD Logistics"}, {"tracking_no", "JDV002233445"}}},
        {40, "warehouse", "receive", {{"result", "pass"}}},
        {60, "manager", "repair_update", {{"status", "repaired"}, {"note", "控制板已更换 Control board replaced."}}},
        {70, "warehouse", "ship_repaired", {{"carrier", "SF Express"}, {"tracking_no", "SF1402840045"}}}}},
      {300, "repair", "quality_issue", 0, 1, "b-1046", "右耳杂音 Crackle in the right earbud.",
       {{2, "agent1", "approve", none},
        {10, "buyer:b-1046", "ship_return", {{"carrier", "SF Express"}, {"tracking_no", "SF1402840046"}}},
        {40, "warehouse", "receive", {{"result", "pass"}}},
        {50, "warehouse", "repair_update", {{"status", "diagnosed"}, {"note", "喇叭单元受潮 Driver unit damp."}}},
        {60, "warehouse", "repair_update", {{"status", "repaired"}, {"note", "喇叭单元已更换 Driver replaced."}}},
        {70, "warehouse", "ship_repaired", {{"carrier", "SF Express"}, {"tracking_no", "SF1402840146"}}},
        {100, "buyer:b-1046", "confirm_delivery", none}}},
      {160, "repair", "quality_issue", 4, 1, "b-1047", "主板短路 The board shorted.",
       {{2, "agent2", "approve", none},
        {10, "buyer:b-1047", "ship_return", {{"carrier", "EMS"}, {"tracking_no", "EM123456047CN"}}},
        {40, "warehouse", "receive", {{"result", "pass"}}},
        {60, "warehouse", "repair_update", {{"status", "unrepairable"}, {"note", "主控芯片停产 The controller chip is discontinued."}}}}},
      {180, "repair", "quality_issue", 9, 1, "b-1048", "开关失灵 The switch does not work.",
       {{2, "agent1", "approve", none},
        {10, "buyer:b-1048", "ship_return", {{"carrier", "YunDa"}, {"tracking_no", "YD3300112248"}}},
        {40, "warehouse", "receive", {{"result", "pass"}}},
        {50, "warehouse", "repair_update", {{"status", "unrepairable"}, {"note", "外壳开裂无法更换开关 The housing is cracked."}}},
        {55, "agent1", "offer", {{"amount", 5000}, {"return_required", false}, {"note", "We can refund ¥50 for the lamp we could not repair."}}}}},
      {220, "repair", "quality_issue", 2, 1, "b-1049", "杯盖卡扣断了 The lid clip broke.",
       {{2, "agent2", "approve", none},
        {10, "buyer:b-1049", "ship_return", {{"carrier", "ZTO Express"}, {"tracking_no", "ZT5544330049"}}},
        {40, "warehouse", "receive", {{"result", "fail"}, {"note", "跌落凹陷，不在保修范围 A dent from a fall: not covered."}}}}},
      {260, "repair", "quality_issue", 7, 1, "b-1050", "内胆变形 The inner pot is warped.",
       {{2, "agent1", "approve", none},
        {10, "buyer:b-1050", "ship_return", {{"carrier", "SF Express"}, {"tracking_no", "SF1402840050"}}},
        {40, "warehouse", "receive", {{"result", "pass"}}},
        {50, "warehouse", "repair_update", {{"status", "unrepairable"}, {"note", "加热盘烧毁 The heating plate burnt out."}}},
        {55, "supervisor", "approve", none}}},
  };
  // Everyday volume: more cases spread over the period, in common states.
  const char* reasons[] = {"quality_issue", "no_reason", "not_as_described", "wrong_item", "damaged_in_transit"};
  for (int i = 0; i < 24; ++i) {
    Story st;
    st.start_ago = 3 + i * 9.5;
    st.type = i % 3 == 0 ? "refund_only" : "return_refund";
    st.reason = reasons[i % 5];
    st.product = (i * 7 + 3) % 10;
    if (st.reason == "no_reason" && !kProducts[st.product].no_reason_return) st.product = 2;
    st.qty = 1;
    st.buyer = "b-10" + std::to_string(13 + i % 8);
    st.description = "售后申请 #" + std::to_string(i + 1) + " After-sales request.";
    const std::string approver = kProducts[st.product].price + 1000 > 20000 ? "supervisor" : "agent" + std::to_string(1 + i % 2);
    if (i % 4 != 3) st.steps.push_back({1.5, approver, "approve", json::object()});
    if (st.type == "return_refund" && i % 4 != 3) {
      st.steps.push_back({8, "buyer:" + st.buyer, "ship_return", {{"carrier", "SF Express"}, {"tracking_no", "SF88" + std::to_string(100000 + i)}}});
      st.steps.push_back({40, "warehouse", "receive", {{"result", "pass"}, {"grade", "A"}}});
      st.steps.push_back({52, "finance", "refund_issued", {{"external_ref", "ALIPAY-D" + std::to_string(5000 + i)}}});
    } else if (i % 4 != 3) {
      st.steps.push_back({12, "finance", "refund_issued", {{"external_ref", "WXPAY-D" + std::to_string(7000 + i)}}});
    }
    s.push_back(st);
  }
  // A serial refunder (docs/reports.md, "Abuse signals"): six refund-only
  // requests in three weeks, one order each. The sixth reaches the shipped
  // refund-only count (6 in 90 days) and waits in the queue with the risk
  // badge; the five before it look like any buyer's.
  const std::pair<double, int> refunder[] = {{500, 2}, {410, 5}, {330, 0},
                                             {250, 3}, {170, 1}, {4, 4}};  // hours ago, product
  for (const auto& [ago, product] : refunder) {
    Story st{ago, "refund_only", "not_received", product, 1, kSerialRefunder, "没收到货 Never arrived.", {}};
    if (ago > 100) {
      st.steps = {
          {2, "supervisor", "approve", json::object()},
          {14, "finance", "refund_issued", {{"external_ref", "ALIPAY-R" + std::to_string(static_cast<int>(ago))}}}};
    }
    s.push_back(st);
  }
  return s;
}

// What a compensation asks for (SPEC §11.1), beside its story.
struct CompensationTerms {
  const char* form;
  Money amount;  // within the order's cap: 30 % of what it paid
};

// 补偿: one compensation in each of its states, each buyer's only case.
std::vector<std::pair<Story, CompensationTerms>> CompensationStories() {
  const json none = json::object();
  return {
      {{6, "compensation", "missing_gift", 2, 1, "b-1040", "赠品杯套没有收到 The free cup sleeve was missing.", {}},
       {"voucher", 1000}},
      {{10, "compensation", "price_protection", 1, 1, "b-1041", "三天后降价250元 The price dropped by ¥250 three days later.",
        {{1, "agent1", "approve", none}}},
       {"cash", 25000}},
      {{30, "compensation", "goodwill", 4, 1, "b-1042", "快递员态度差 The courier was rude.",
        {{2, "agent2", "offer", {{"amount", 3000}, {"form", "points"}, {"note", "3000 points instead of a voucher?"}}}}},
       {"voucher", 5000}},
      {{40, "compensation", "price_protection", 6, 1, "b-1043", "活动价更低 Cheaper in the promotion.",
        {{3, "agent1", "reject", {{"reason_code", "not_eligible"}, {"note", "The promotion started after the 7-day price protection."}}}}},
       {"cash", 2000}},
      // Nobody answered within 48 h: escalated, no automatic money (SPEC §11.3).
      {{60, "compensation", "other", 9, 1, "b-1044", "发票开错 Wrong invoice issued.", {}}, {"voucher", 1500}},
      {{20, "compensation", "goodwill", 0, 1, "b-1045", "等了很久 A long wait for the reply.", {{1, "supervisor", "approve", none}}},
       {"points", 2000}},
      {{100, "compensation", "missing_gift", 7, 1, "b-1046", "少了赠品蒸笼 The free steamer basket was missing.",
        {{2, "agent1", "approve", none}, {6, "integration", "issue_compensation", {{"voucher_code", "SORRY-3000"}}}}},
       {"voucher", 3000}},
      {{150, "compensation", "price_protection", 5, 1, "b-1047", "别家更便宜 Cheaper elsewhere.",
        {{2, "agent2", "reject", {{"reason_code", "other"}}},
         {10, "buyer:b-1047", "appeal", {{"note", "Your shop promised the lowest price."}}},
         {30, "manager", "arbitrate", {{"decision", "uphold"}, {"note", "Price match covers our own shop only."}}}}},
       {"cash", 5000}},
      {{8, "compensation", "goodwill", 8, 1, "b-1048", "算了 Never mind.", {{1, "buyer:b-1048", "cancel", none}}},
       {"voucher", 500}},
  };
}

// Earlier orders without complaints for every other demo buyer: regular
// customers, whose return rates stay below the risk threshold.
constexpr int kEarlierOrdersPerBuyer = 5;

struct PendingStep {
  TimePoint at;
  int story;
  int index;  // -1: create the order and submit
};

// An order of two units of `prod` paid at `placed_at`, not shipped: its
// ship_by is the policy's 48 h later (SPEC §10.1).
nlohmann::json UnshippedOrder(const std::string& id, const std::string& buyer_id, const Product& prod,
                              TimePoint placed_at) {
  return {{"id", id},
          {"buyer_id", buyer_id},
          {"currency", "CNY"},
          {"placed_at", FormatTime(placed_at)},
          {"delivered_at", nullptr},
          {"shipping_paid", 0},
          {"lines", {{{"line_id", "1"}, {"sku", prod.sku}, {"title", prod.title}, {"qty", 2}, {"paid", prod.price * 2}}}}};
}

}  // namespace

DemoSeeder::DemoSeeder(Store& store, ManualClock& clock, PolicyRegistry& policies)
    : store_(store), clock_(clock), policies_(policies) {}

Result<DemoSummary> DemoSeeder::Seed(const std::function<void(int, int)>& progress) {
  {
    auto txn = store_.BeginRead();
    if (!txn.ok()) return txn.status();
    auto users = (*txn)->ListUsers();
    if (!users.ok()) return users.status();
    if (!users->empty()) return Status(Code::kAlreadyExists, "the database already holds data; demo needs an empty one");
  }
  DemoSummary summary;
  CaseEngine engine(store_, clock_, policies_);
  JsonApi cases(engine);
  UserService users(store_, clock_, policies_, clock_);
  const TimePoint end = clock_.Now() + kSpan;
  Actor system;
  system.id = "system";
  system.role = Role::kSystem;

  // Users of every role; the password is shown once, here.
  struct Who {
    const char* name;
    Role role;
    const char* external;
  };
  const Who people[] = {{"admin", Role::kAdmin, ""},         {"manager", Role::kManager, ""},
                        {"supervisor", Role::kSupervisor, ""}, {"agent1", Role::kAgent, ""},
                        {"agent2", Role::kAgent, ""},          {"warehouse", Role::kWarehouse, ""},
                        {"finance", Role::kFinance, ""},       {"integration", Role::kIntegration, ""},
                        {"buyer1", Role::kBuyer, "b-1001"},    {"buyer2", Role::kBuyer, "b-1002"}};
  std::map<std::string, Actor> actors;
  const int total_users = static_cast<int>(std::size(people));
  std::vector<Story> stories = Stories();
  std::map<int, CompensationTerms> terms;  // by story index
  for (auto& [story, asked] : CompensationStories()) {
    terms.emplace(static_cast<int>(stories.size()), asked);
    stories.push_back(std::move(story));
  }
  int done = 0;
  const int total = total_users + static_cast<int>(stories.size()) * 2;
  for (const auto& p : people) {
    NewUser nu;
    nu.name = p.name;
    nu.role = p.role;
    if (*p.external) nu.external_id = p.external;
    const std::string password = p.role == Role::kIntegration ? "" : std::string(p.name) + "-demo-2026";
    if (!password.empty()) nu.password = password;
    auto created = users.CreateUser(system, nu);
    if (!created.ok()) return created.status();
    Actor a;
    a.id = created->user["id"];
    a.role = p.role;
    if (created->user.contains("approval_limit") && created->user["approval_limit"].is_number_integer()) {
      a.limit = created->user["approval_limit"].get<Money>();
    }
    a.external_id = p.external;
    actors[p.name] = a;
    summary.logins.push_back({p.name, NameOf(p.role), password, created->token, p.external});
    if (progress) progress(++done, total);
  }
  // "buyer:<buyer_id>": the buyer's own login where the demo has one, else
  // the storefront integration acting for the buyer.
  auto actor_of = [&](const std::string& who) {
    if (who == "buyer:b-1001") return actors.at("buyer1");
    if (who == "buyer:b-1002") return actors.at("buyer2");
    if (who.rfind("buyer:", 0) == 0) return actors.at("integration");
    return actors.at(who);
  };

  // Regular customers: earlier orders, before the stories begin.
  {
    std::set<std::string> regulars;
    for (const auto& st : stories) {
      if (st.buyer != kSerialRefunder) regulars.insert(st.buyer);
    }
    const TimePoint start = clock_.Now();
    int n = 0;
    for (const auto& buyer : regulars) {
      for (int k = 0; k < kEarlierOrdersPerBuyer; ++k, ++n) {
        const Product& prod = kProducts[n % 10];
        const TimePoint placed = start - (20 + 7 * k) * kDay;
        json order = {
            {"id", "SO" + std::to_string(20259000 + n)},
            {"buyer_id", buyer},
            {"currency", "CNY"},
            {"placed_at", FormatTime(placed)},
            {"delivered_at", FormatTime(placed + 3 * kDay)},
            {"shipping_paid", 0},
            {"lines",
             {{{"line_id", "1"}, {"sku", prod.sku}, {"title", prod.title}, {"qty", 1}, {"paid", prod.price}}}}};
        auto o = cases.CreateOrder(actors["integration"], order);
        if (!o.ok()) return o.status();
        ++summary.orders;
      }
    }
  }

  // Every step of every story, in time order, with deadlines firing between.
  std::vector<PendingStep> plan;
  for (int i = 0; i < static_cast<int>(stories.size()); ++i) {
    const TimePoint start = end - static_cast<TimePoint>(stories[i].start_ago * kHour);
    plan.push_back({start, i, -1});
    for (int j = 0; j < static_cast<int>(stories[i].steps.size()); ++j) {
      const TimePoint at = start + static_cast<TimePoint>(stories[i].steps[j].at * kHour);
      if (at <= end) plan.push_back({at, i, j});  // later steps have not happened yet
    }
  }
  std::stable_sort(plan.begin(), plan.end(), [](const PendingStep& a, const PendingStep& b) { return a.at < b.at; });

  std::vector<std::string> case_ids(stories.size());
  auto fail = [](const Story& st, const std::string& what, const Status& s) {
    return Status(s.code(), "demo story '" + st.description + "', " + what + ": " + s.message());
  };
  for (const auto& p : plan) {
    clock_.AdvanceTo(p.at);
    auto fired = engine.sweeper().FireDue(100000);
    if (!fired.ok()) return fired.status();
    const Story& st = stories[p.story];
    if (p.index < 0) {
      const Product& prod = kProducts[st.product];
      const std::string order_id = "SO" + std::to_string(20261000 + p.story);
      json order = {{"id", order_id},
                    {"buyer_id", st.buyer},
                    {"currency", "CNY"},
                    {"placed_at", FormatTime(p.at - 5 * kDay)},
                    {"delivered_at", FormatTime(p.at - 2 * kDay)},
                    {"shipping_paid", st.product % 3 == 0 ? 1000 : 0},
                    {"lines",
                     {{{"line_id", "1"},
                       {"sku", prod.sku},
                       {"title", prod.title},
                       {"qty", st.qty},
                       {"paid", prod.price * st.qty},
                       {"no_reason_return", prod.no_reason_return}}}}};
      auto o = cases.CreateOrder(actors["integration"], order);
      if (!o.ok()) return fail(st, "create order", o.status());
      ++summary.orders;
      json line = {{"line_id", "1"}, {"qty", st.qty}};
      if (st.type == "exchange") line["replacement_sku"] = std::string(prod.sku) + "-X";
      json body = {{"order_id", order_id}, {"type", st.type}, {"reason", st.reason},
                   {"description", st.description}, {"lines", json::array({line})}};
      if (auto asked = terms.find(p.story); asked != terms.end()) {
        body["compensation"] = {{"form", asked->second.form}};
        body["requested_amount"] = asked->second.amount;
      }
      const Actor submitter = actor_of("buyer:" + st.buyer);
      auto c = cases.Submit(submitter, body);
      if (!c.ok()) return fail(st, "submit", c.status());
      case_ids[p.story] = (*c)["id"];
    } else {
      Step step = st.steps[p.index];
      if (step.body.contains("assignee")) step.body["assignee"] = actors.at(step.body["assignee"].get<std::string>().substr(1)).id;
      if (step.body.contains("at") && step.body["at"] == "@now") step.body["at"] = FormatTime(p.at);
      auto r = cases.Apply(actor_of(step.who), case_ids[p.story], step.action, step.body);
      if (!r.ok()) return fail(st, step.action, r.status());
    }
    if (progress && p.index < 0) progress(++done, total);
  }
  clock_.AdvanceTo(end);
  auto fired = engine.sweeper().FireDue(100000);
  if (!fired.ok()) return fired.status();

  // Orders nobody has complained about yet.
  for (int i = 0; i < 60 - summary.orders + 0 && summary.orders < 60; ++i) {
    const Product& prod = kProducts[i % 10];
    json order = {{"id", "SO" + std::to_string(20262000 + i)},
                  {"buyer_id", "b-10" + std::to_string(20 + i % 10)},
                  {"currency", "CNY"},
                  {"placed_at", FormatTime(end - (4 + i % 9) * kDay)},
                  {"delivered_at", i % 5 == 0 ? json(nullptr) : json(FormatTime(end - (1 + i % 3) * kDay))},
                  {"shipping_paid", 800},
                  {"lines",
                   {{{"line_id", "1"}, {"sku", prod.sku}, {"title", prod.title}, {"qty", 1 + i % 2}, {"paid", prod.price * (1 + i % 2)}}}}};
    auto o = cases.CreateOrder(actors["integration"], order);
    if (!o.ok()) return o.status();
    ++summary.orders;
  }
  // 发货监督 (SPEC §10): orders paid in the last day and a half, still to
  // ship, their ship_by counting down; one shipped in part, one in full.
  for (int i = 0; i < 6; ++i) {
    const std::string order_id = "SO" + std::to_string(20263000 + i);
    auto o = cases.CreateOrder(actors["integration"], UnshippedOrder(order_id, "b-10" + std::to_string(30 + i),
                                                                    kProducts[(i + 3) % 10], end - (2 + 6 * i) * kHour));
    if (!o.ok()) return o.status();
    ++summary.orders;
    if (i == 1 || i == 2) {
      json shipment = {{"carrier", "SF Express"}, {"tracking_no", "SF15028800" + std::to_string(i)}};
      if (i == 1) shipment["lines"] = json::array({json{{"line_id", "1"}, {"qty", 1}}});
      auto shipped = cases.ShipOrder(actor_of("warehouse"), order_id, shipment);
      if (!shipped.ok()) return shipped.status();
    }
  }
  // Late orders (SPEC §10.4): paid three and four days ago, so their ship_by
  // (48 h) passed and each breaches at creation with the system's late
  // compensation voucher. The first is still unshipped, its voucher to
  // issue; the second shipped late today and its voucher was issued.
  for (int i = 0; i < 2; ++i) {
    const std::string order_id = "SO" + std::to_string(20264000 + i);
    auto o = cases.CreateOrder(actors["integration"], UnshippedOrder(order_id, "b-10" + std::to_string(60 + i),
                                                                    kProducts[(i + 5) % 10], end - (3 + i) * kDay));
    if (!o.ok()) return o.status();
    ++summary.orders;
    if (i == 0) continue;
    auto shipped = cases.ShipOrder(actor_of("warehouse"), order_id,
                                   {{"carrier", "SF Express"}, {"tracking_no", "SF1503990" + std::to_string(i)}});
    if (!shipped.ok()) return shipped.status();
    CaseListParams of_order;
    of_order.order_id = order_id;
    auto late = cases.ListCases(actors["manager"], of_order);
    if (!late.ok()) return late.status();
    for (const auto& c : (*late)["items"]) {
      auto issued = cases.Apply(actor_of("finance"), c["id"].get<std::string>(), "issue_compensation",
                                {{"voucher_code", "LATE-" + order_id}});
      if (!issued.ok()) return issued.status();
    }
  }
  for (int i = 0; i < static_cast<int>(stories.size()); ++i) {
    auto c = cases.GetCase(actors["manager"], case_ids[i]);
    if (!c.ok()) return c.status();
    ++summary.cases_by_state[(*c)["type"].get<std::string>() + " " + (*c)["state"].get<std::string>()];
    if (progress) progress(++done, total);
  }
  auto txn = store_.BeginRead();
  if (!txn.ok()) return txn.status();
  auto head = (*txn)->AuditHead();
  if (!head.ok()) return head.status();
  summary.audit_entries = head->has_value() ? static_cast<int>((*head)->seq) : 0;
  return summary;
}

}  // namespace aftersales
