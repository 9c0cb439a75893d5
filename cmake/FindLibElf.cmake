# FindLibElf — find elfutils' libelf (the runtime reads ELF symbol tables with it,
# and a static libdwarf needs it).
#
# Result:
#   LibElf::LibElf       imported target; consumers `#include <libelf.h>`, `<gelf.h>`
#   LibElf_FOUND
#   LibElf_INCLUDE_DIRS
#   LibElf_LIBRARIES     the library and, when it is a static archive, zlib
#
# Cache variables: LibElf_INCLUDE_DIR, LibElf_LIBRARY.
# Input: LibElf_USE_STATIC_LIBS  prefer libelf.a over the shared library.
#
# A static libelf.a does not carry its zlib dependency; then the target's
# INTERFACE_LINK_LIBRARIES names ZLIB::ZLIB.

find_path(LibElf_INCLUDE_DIR NAMES gelf.h libelf.h DOC "Directory containing libelf.h")

if(LibElf_USE_STATIC_LIBS)
  set(_LibElf_names libelf.a elf)
else()
  set(_LibElf_names elf)
endif()
find_library(LibElf_LIBRARY NAMES ${_LibElf_names} DOC "The libelf library")
unset(_LibElf_names)

set(_LibElf_static FALSE)
set(_LibElf_extra_vars)
if(LibElf_LIBRARY MATCHES "\\.a$")
  set(_LibElf_static TRUE)
  if(LibElf_FIND_QUIETLY)
    find_package(ZLIB QUIET)
  else()
    find_package(ZLIB)
  endif()
  set(_LibElf_extra_vars ZLIB_FOUND)
endif()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(LibElf
  REQUIRED_VARS LibElf_LIBRARY LibElf_INCLUDE_DIR ${_LibElf_extra_vars})
unset(_LibElf_extra_vars)

if(LibElf_FOUND)
  set(LibElf_INCLUDE_DIRS "${LibElf_INCLUDE_DIR}")
  set(LibElf_LIBRARIES "${LibElf_LIBRARY}")
  if(_LibElf_static)
    list(APPEND LibElf_LIBRARIES ${ZLIB_LIBRARIES})
  endif()

  if(NOT TARGET LibElf::LibElf)
    add_library(LibElf::LibElf UNKNOWN IMPORTED)
    set_target_properties(LibElf::LibElf PROPERTIES
      IMPORTED_LOCATION "${LibElf_LIBRARY}"
      IMPORTED_LINK_INTERFACE_LANGUAGES C
      INTERFACE_INCLUDE_DIRECTORIES "${LibElf_INCLUDE_DIR}")
    if(_LibElf_static)
      set_property(TARGET LibElf::LibElf APPEND PROPERTY INTERFACE_LINK_LIBRARIES ZLIB::ZLIB)
    endif()
  endif()
endif()

unset(_LibElf_static)
mark_as_advanced(LibElf_INCLUDE_DIR LibElf_LIBRARY)
