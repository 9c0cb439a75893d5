# Install rules for the CMake package and the pkg-config file. Included by the
# top-level CMakeLists.txt after install(TARGETS calltrace EXPORT CallTraceTargets ...).
#
# Both consumers are relocatable: the installed tree can be moved as a whole.
#   <prefix>/<libdir>/cmake/CallTrace/  CallTraceConfig.cmake, CallTraceConfigVersion.cmake,
#                                       CallTraceTargets*.cmake, FindLibDwarf.cmake,
#                                       FindLibElf.cmake, CallTraceInstrument.cmake
#   <prefix>/<libdir>/pkgconfig/        calltrace.pc (prefix=${pcfiledir}/../..)

set(CALLTRACE_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/CallTrace"
    CACHE STRING "Where the CMake package files are installed, relative to the prefix")
mark_as_advanced(CALLTRACE_INSTALL_CMAKEDIR)

# CallTraceConfig.cmake.in (find_dependency) and calltrace.pc.in (Libs) name the
# runtime's link dependencies by hand; stop here if the runtime links something
# they do not provide, rather than install a package whose consumers fail to link.
set(_ct_packaged_deps LibDwarf::LibDwarf LibElf::LibElf Threads::Threads ${CMAKE_DL_LIBS})
get_target_property(_ct_deps calltrace LINK_LIBRARIES)
foreach(_ct_dep IN LISTS _ct_deps)
  if(NOT _ct_dep IN_LIST _ct_packaged_deps)
    message(FATAL_ERROR "calltrace links '${_ct_dep}', which the installed package does "
      "not provide: add it to cmake/CallTraceConfig.cmake.in (find_dependency), "
      "cmake/calltrace.pc.in (Libs, Libs.private, Requires.private) and "
      "_ct_packaged_deps in cmake/Install.cmake")
  endif()
endforeach()
unset(_ct_packaged_deps)
unset(_ct_deps)
unset(_ct_dep)

# ---------------------------------------------------------------- CMake package
install(EXPORT CallTraceTargets
        NAMESPACE CallTrace::
        FILE CallTraceTargets.cmake
        DESTINATION "${CALLTRACE_INSTALL_CMAKEDIR}")

configure_package_config_file(
  "${CMAKE_CURRENT_LIST_DIR}/CallTraceConfig.cmake.in"
  "${CMAKE_CURRENT_BINARY_DIR}/CallTraceConfig.cmake"
  INSTALL_DESTINATION "${CALLTRACE_INSTALL_CMAKEDIR}"
  NO_SET_AND_CHECK_MACRO
  NO_CHECK_REQUIRED_COMPONENTS_MACRO)

write_basic_package_version_file(
  "${CMAKE_CURRENT_BINARY_DIR}/CallTraceConfigVersion.cmake"
  VERSION "${PROJECT_VERSION}"
  COMPATIBILITY SameMajorVersion)

install(FILES
          "${CMAKE_CURRENT_BINARY_DIR}/CallTraceConfig.cmake"
          "${CMAKE_CURRENT_BINARY_DIR}/CallTraceConfigVersion.cmake"
          "${CMAKE_CURRENT_LIST_DIR}/FindLibDwarf.cmake"
          "${CMAKE_CURRENT_LIST_DIR}/FindLibElf.cmake"
          "${CMAKE_CURRENT_LIST_DIR}/CallTraceInstrument.cmake"
        DESTINATION "${CALLTRACE_INSTALL_CMAKEDIR}")

# ---------------------------------------------------------------- pkg-config
# The prefix is found from the .pc file's own location, so the path from
# <libdir>/pkgconfig back to the prefix is computed here ("../.." for lib,
# "../../.." for lib/x86_64-linux-gnu). Absolute GNUInstallDirs paths are used as
# they are (then the install is not relocatable).
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
  set(CALLTRACE_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
else()
  file(RELATIVE_PATH _ct_pc_up "/_p/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/_p")
  string(REGEX REPLACE "/$" "" _ct_pc_up "${_ct_pc_up}")
  set(CALLTRACE_PC_PREFIX "\${pcfiledir}/${_ct_pc_up}")
endif()
foreach(_ct_dir IN ITEMS LIBDIR INCLUDEDIR)
  if(IS_ABSOLUTE "${CMAKE_INSTALL_${_ct_dir}}")
    set(CALLTRACE_PC_${_ct_dir} "${CMAKE_INSTALL_${_ct_dir}}")
  else()
    set(CALLTRACE_PC_${_ct_dir} "\${prefix}/${CMAKE_INSTALL_${_ct_dir}}")
  endif()
endforeach()
unset(_ct_pc_up)
unset(_ct_dir)

configure_file("${CMAKE_CURRENT_LIST_DIR}/calltrace.pc.in"
               "${CMAKE_CURRENT_BINARY_DIR}/calltrace.pc" @ONLY)
install(FILES "${CMAKE_CURRENT_BINARY_DIR}/calltrace.pc"
        DESTINATION "${CMAKE_INSTALL_LIBDIR}/pkgconfig")
