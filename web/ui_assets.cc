#include "web/ui_assets.h"

#include <algorithm>

namespace aftersales {

const UiAsset* FindUiAsset(std::string_view path) {
  std::size_t count = 0;
  const UiAsset* begin = UiAssets(&count);
  const UiAsset* end = begin + count;
  const UiAsset* it =
      std::lower_bound(begin, end, path, [](const UiAsset& a, std::string_view p) { return a.path < p; });
  return it != end && it->path == path ? it : nullptr;
}

}  // namespace aftersales
