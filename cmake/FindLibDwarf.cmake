# FindLibDwarf — find libdwarf (the DWARF reader; Debian ships neither a .pc file
# nor a CMake config for it).
#
# Result:
#   LibDwarf::LibDwarf     imported target; consumers `#include <libdwarf.h>` and
#                          `#include <dwarf.h>`
#   LibDwarf_FOUND
#   LibDwarf_INCLUDE_DIRS  the directory holding libdwarf.h (e.g. /usr/include/libdwarf)
#   LibDwarf_LIBRARIES     the library and, when it is a static archive, libelf and zlib
#
# Cache variables (set them to point at a particular libdwarf):
#   LibDwarf_INCLUDE_DIR, LibDwarf_LIBRARY
#
# Input:
#   LibDwarf_USE_STATIC_LIBS  prefer libdwarf.a over the shared library.
#
# A static libdwarf.a does not carry its own dependencies, so then the target's
# INTERFACE_LINK_LIBRARIES name libelf (LibElf::LibElf, from FindLibElf.cmake beside
# this file) and zlib (ZLIB::ZLIB); the shared library records them itself
# (DT_NEEDED) and the target links nothing more.

find_path(LibDwarf_INCLUDE_DIR
  NAMES libdwarf.h
  PATH_SUFFIXES libdwarf libdwarf-0
  DOC "Directory containing libdwarf.h")

if(LibDwarf_USE_STATIC_LIBS)
  set(_LibDwarf_names libdwarf.a dwarf)
else()
  set(_LibDwarf_names dwarf)
endif()
find_library(LibDwarf_LIBRARY NAMES ${_LibDwarf_names} DOC "The libdwarf library")
unset(_LibDwarf_names)

set(_LibDwarf_static FALSE)
set(_LibDwarf_extra_vars)
if(LibDwarf_LIBRARY MATCHES "\\.a$")
  set(_LibDwarf_static TRUE)
  if(LibDwarf_FIND_QUIETLY)
    set(_LibDwarf_quiet QUIET)
  else()
    set(_LibDwarf_quiet)
  endif()
  # FindLibElf.cmake lives beside this file.
  set(_LibDwarf_module_path "${CMAKE_MODULE_PATH}")
  list(INSERT CMAKE_MODULE_PATH 0 "${CMAKE_CURRENT_LIST_DIR}")
  find_package(LibElf ${_LibDwarf_quiet})
  set(CMAKE_MODULE_PATH "${_LibDwarf_module_path}")
  find_package(ZLIB ${_LibDwarf_quiet})
  set(_LibDwarf_extra_vars LibElf_FOUND ZLIB_FOUND)
  unset(_LibDwarf_module_path)
  unset(_LibDwarf_quiet)
endif()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(LibDwarf
  REQUIRED_VARS LibDwarf_LIBRARY LibDwarf_INCLUDE_DIR ${_LibDwarf_extra_vars})
unset(_LibDwarf_extra_vars)

if(LibDwarf_FOUND)
  set(LibDwarf_INCLUDE_DIRS "${LibDwarf_INCLUDE_DIR}")
  set(LibDwarf_LIBRARIES "${LibDwarf_LIBRARY}")
  if(_LibDwarf_static)
    list(APPEND LibDwarf_LIBRARIES ${LibElf_LIBRARIES} ${ZLIB_LIBRARIES})
  endif()

  if(NOT TARGET LibDwarf::LibDwarf)
    add_library(LibDwarf::LibDwarf UNKNOWN IMPORTED)
    set_target_properties(LibDwarf::LibDwarf PROPERTIES
      IMPORTED_LOCATION "${LibDwarf_LIBRARY}"
      IMPORTED_LINK_INTERFACE_LANGUAGES C
      INTERFACE_INCLUDE_DIRECTORIES "${LibDwarf_INCLUDE_DIR}")
    if(_LibDwarf_static)
      set_property(TARGET LibDwarf::LibDwarf APPEND PROPERTY
        INTERFACE_LINK_LIBRARIES LibElf::LibElf ZLIB::ZLIB)
    endif()
  endif()
endif()

unset(_LibDwarf_static)
mark_as_advanced(LibDwarf_INCLUDE_DIR LibDwarf_LIBRARY)
