// The web UI's files (web/ui: HTML, CSS, JavaScript modules, icons and the
// chart library installed from npm), embedded into the binary at build time
// so that the server needs no file and no network to serve its UI.
// Plain static data; thread-safe.
#pragma once

#include <cstddef>
#include <string_view>

namespace aftersales {

struct UiAsset {
  std::string_view path;          // relative to web/ui: "index.html", "js/app.js"
  std::string_view content_type;  // "text/javascript; charset=utf-8", …
  std::string_view bytes;         // the file's content, byte for byte
  std::string_view etag;          // a strong validator: quoted SHA-256 prefix
};

// Every embedded asset, sorted by path. Static storage; never null when
// `count` is non-zero.
const UiAsset* UiAssets(std::size_t* count);

// The asset at `path` (relative, without a leading slash), or null.
const UiAsset* FindUiAsset(std::string_view path);

}  // namespace aftersales
