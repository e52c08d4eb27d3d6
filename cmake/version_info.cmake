# Writes the version and git commit of the checkout into OUTPUT (a C++
# file made from TEMPLATE), run at every build by the aftersales_version
# target: configure_file rewrites OUTPUT only when its text changes, so an
# unchanged checkout rebuilds nothing, and a new commit recompiles one file
# and relinks the binary.
#   cmake -DSOURCE_DIR=… -DTEMPLATE=… -DOUTPUT=… -DVERSION=… [-DGIT_COMMIT=…] -P version_info.cmake
# GIT_COMMIT (the cache variable AFTERSALES_GIT_COMMIT) names the commit
# when the sources are not a git checkout (a release tarball); otherwise
# git is asked, and a checkout with uncommitted changes to tracked files
# gets "-dirty".
if(GIT_COMMIT)
  set(AFTERSALES_GIT_COMMIT "${GIT_COMMIT}")
else()
  set(AFTERSALES_GIT_COMMIT "unknown")
  find_program(GIT_PROGRAM git)
  if(GIT_PROGRAM)
    execute_process(COMMAND ${GIT_PROGRAM} -C ${SOURCE_DIR} rev-parse --short=12 HEAD
                    OUTPUT_VARIABLE commit OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE rc)
    if(rc EQUAL 0 AND commit)
      set(AFTERSALES_GIT_COMMIT "${commit}")
      execute_process(COMMAND ${GIT_PROGRAM} -C ${SOURCE_DIR} status --porcelain --untracked-files=no
                      OUTPUT_VARIABLE changes ERROR_QUIET RESULT_VARIABLE rc)
      if(rc EQUAL 0 AND NOT changes STREQUAL "")
        string(APPEND AFTERSALES_GIT_COMMIT "-dirty")
      endif()
    endif()
  endif()
endif()
set(AFTERSALES_VERSION "${VERSION}")
configure_file(${TEMPLATE} ${OUTPUT} @ONLY)
