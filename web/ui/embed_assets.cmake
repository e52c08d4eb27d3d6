# Writes a C++ source that embeds the web UI's files (see web/ui_assets.h).
# Run in script mode at build time:
#   cmake -DMANIFEST=<file> -DOUTPUT=<file.cc> -P embed_assets.cmake
# MANIFEST holds one "<served path>|<file>" per line; a line
# "<served dir>/|<dir>/" stands for every file under <dir> (the bundler's
# output, whose chunk names are known only once it ran).
cmake_minimum_required(VERSION 3.25)

if(NOT MANIFEST OR NOT OUTPUT)
  message(FATAL_ERROR "embed_assets.cmake needs -DMANIFEST=... and -DOUTPUT=...")
endif()

function(content_type_of path out)
  get_filename_component(ext "${path}" LAST_EXT)
  string(TOLOWER "${ext}" ext)
  if(ext STREQUAL ".html")
    set(type "text/html; charset=utf-8")
  elseif(ext STREQUAL ".css")
    set(type "text/css; charset=utf-8")
  elseif(ext STREQUAL ".js" OR ext STREQUAL ".mjs")
    set(type "text/javascript; charset=utf-8")
  elseif(ext STREQUAL ".svg")
    set(type "image/svg+xml")
  elseif(ext STREQUAL ".png")
    set(type "image/png")
  elseif(ext STREQUAL ".json")
    set(type "application/json")
  elseif(ext STREQUAL ".txt")
    set(type "text/plain; charset=utf-8")
  else()
    message(FATAL_ERROR "embed_assets.cmake: no content type for ${path}")
  endif()
  set(${out} "${type}" PARENT_SCOPE)
endfunction()

# "<served>|<file>" → the two halves.
function(split_entry entry served_out file_out)
  string(FIND "${entry}" "|" bar)
  string(SUBSTRING "${entry}" 0 ${bar} served)
  math(EXPR from "${bar} + 1")
  string(SUBSTRING "${entry}" ${from} -1 file)
  set(${served_out} "${served}" PARENT_SCOPE)
  set(${file_out} "${file}" PARENT_SCOPE)
endfunction()

file(STRINGS "${MANIFEST}" lines)
set(entries "")
foreach(line IN LISTS lines)
  split_entry("${line}" served file)
  if(served MATCHES "/$")
    file(GLOB_RECURSE found RELATIVE "${file}" "${file}*.js")
    foreach(rel IN LISTS found)
      list(APPEND entries "${served}${rel}|${file}${rel}")
    endforeach()
  else()
    list(APPEND entries "${line}")
  endif()
endforeach()
list(SORT entries)

set(arrays "")
set(table "")
set(index 0)
foreach(entry IN LISTS entries)
  split_entry("${entry}" served file)
  if(NOT EXISTS "${file}")
    message(FATAL_ERROR "embed_assets.cmake: ${file} does not exist")
  endif()
  content_type_of("${served}" type)
  file(SIZE "${file}" size)
  file(SHA256 "${file}" digest)
  string(SUBSTRING "${digest}" 0 20 etag)
  file(READ "${file}" hex HEX)
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
  # One extra byte keeps zero-length files valid C++.
  string(APPEND arrays "constexpr unsigned char kAsset${index}[] = {${bytes}0x00};\n")
  string(APPEND table "    {\"${served}\", \"${type}\", {reinterpret_cast<const char*>(kAsset${index}), ${size}}, \"\\\"${etag}\\\"\"},\n")
  math(EXPR index "${index} + 1")
endforeach()

set(source "// Generated at build time by web/ui/embed_assets.cmake. Do not edit.
#include \"web/ui_assets.h\"

namespace aftersales {
namespace {

${arrays}
const UiAsset kAssets[] = {
${table}};

}  // namespace

const UiAsset* UiAssets(std::size_t* count) {
  *count = sizeof(kAssets) / sizeof(kAssets[0]);
  return kAssets;
}

}  // namespace aftersales
")

file(WRITE "${OUTPUT}" "${source}")
