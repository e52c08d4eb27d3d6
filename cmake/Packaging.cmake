# The Debian package (deploy/README.md): `aftersales_<version>_amd64.deb`
# with the binary, the systemd units, the default configuration, the backup
# script, the man page and the operators' documents. Nothing here is part
# of the default build: `scripts/package.sh` (or `cpack -G DEB` in a build
# folder whose `aftersales` target is built) makes the package.
#
# Paths: the binary and documents go under /usr; the units into
# /lib/systemd/system and the configuration into /etc/aftersales, as
# Debian 12's own packages place them (absolute destinations, so a plain
# `cmake --install` outside CPack writes there too: use DESTDIR).
# cpack runs the `preinstall` target, which would build everything (tests,
# benchmarks) first: the package needs the server alone, which
# scripts/package.sh builds before calling cpack.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)

set(AFTERSALES_PACKAGE_MAINTAINER "aftersales maintainers <maintainers@aftersales.example>"
    CACHE STRING "The Maintainer of the Debian package")

set(DEPLOY_DIR ${PROJECT_SOURCE_DIR}/deploy)
set(PACKAGING_DIR ${CMAKE_BINARY_DIR}/packaging)
file(MAKE_DIRECTORY ${PACKAGING_DIR})

# Debian wants the man page and the changelog compressed, without a
# timestamp in the gzip header (reproducible).
foreach(pair "debian/aftersales.1|aftersales.1.gz" "debian/changelog|changelog.gz")
  string(REPLACE "|" ";" pair "${pair}")
  list(GET pair 0 source)
  list(GET pair 1 compressed)
  execute_process(COMMAND gzip -9 -n -c ${DEPLOY_DIR}/${source} OUTPUT_FILE ${PACKAGING_DIR}/${compressed}
                  RESULT_VARIABLE gzip_rc)
  if(NOT gzip_rc EQUAL 0)
    message(FATAL_ERROR "gzip ${source} failed (${gzip_rc})")
  endif()
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${DEPLOY_DIR}/${source})
endforeach()

install(TARGETS aftersales RUNTIME DESTINATION bin)
install(PROGRAMS ${DEPLOY_DIR}/systemd/aftersales-backup DESTINATION libexec/aftersales)
install(FILES ${DEPLOY_DIR}/systemd/aftersales.service ${DEPLOY_DIR}/systemd/aftersales-backup.service
              ${DEPLOY_DIR}/systemd/aftersales-backup.timer
        DESTINATION /lib/systemd/system)
install(FILES ${DEPLOY_DIR}/aftersales.conf DESTINATION /etc/aftersales)
install(FILES ${PACKAGING_DIR}/aftersales.1.gz DESTINATION share/man/man1)
install(FILES ${DEPLOY_DIR}/debian/copyright ${PACKAGING_DIR}/changelog.gz ${PROJECT_SOURCE_DIR}/README.md
              ${PROJECT_SOURCE_DIR}/docs/integrating.md ${PROJECT_SOURCE_DIR}/docs/audit-checkpoints.md
              ${PROJECT_SOURCE_DIR}/docs/webhooks.md ${PROJECT_SOURCE_DIR}/docs/deadlines.md
        DESTINATION share/doc/aftersales)
install(FILES ${DEPLOY_DIR}/README.md ${DEPLOY_DIR}/aftersales.conf DESTINATION share/doc/aftersales/deploy)
install(DIRECTORY ${DEPLOY_DIR}/nginx ${DEPLOY_DIR}/prometheus ${DEPLOY_DIR}/grafana
        DESTINATION share/doc/aftersales/deploy)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME aftersales)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "${AFTERSALES_PACKAGE_MAINTAINER}")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "after-sales returns and refunds workflow engine")
# The synopsis is CPACK_PACKAGE_DESCRIPTION_SUMMARY; this is the rest.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "Buyers ask for a refund, a return or an exchange; agents and supervisors
decide within their approval limits; the warehouse receives and inspects
returns; finance confirms refunds; managers audit every decision. Every step
has a deadline that the server supervises.
.
One program serves the JSON API and the web UI over an SQLite database. This
package runs it as a systemd service with its own user, takes a daily online
backup, and signs audit checkpoints with a key made at installation.")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # aftersales_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# tzdata: business calendars read IANA time zones from the system's tz
# database at run time (libdate-tz3 comes from the shared-library scan).
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser, tzdata")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "nginx-light | nginx, prometheus, sqlite3")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${DEPLOY_DIR}/debian/postinst ${DEPLOY_DIR}/debian/prerm
                                       ${DEPLOY_DIR}/debian/postrm ${DEPLOY_DIR}/debian/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_DEBIAN_COMPRESSION_TYPE xz)
set(CPACK_STRIP_FILES ON)
set(CPACK_PACKAGE_DIRECTORY ${CMAKE_BINARY_DIR}/packages)
set(CPACK_THREADS 1)
include(CPack)
