# calltrace_instrument(<target>...)
#
# Makes a target record its calls with calltrace:
#   - its C and C++ sources are compiled with -finstrument-functions -g;
#   - EXECUTABLE: linked with CallTrace::calltrace and -rdynamic (which exports the
#     hooks to instrumented shared objects and lets dladdr() name functions that
#     have no DWARF);
#   - STATIC_LIBRARY: the runtime and -rdynamic become part of its link interface,
#     so every executable that links the library gets them (the runtime's headers
#     are also visible to the library's own sources);
#   - SHARED_LIBRARY: compiled the same; the runtime and -rdynamic become part of
#     its link interface, not of the .so itself, so the executable that links it
#     carries the one runtime and exports the hooks that the library's
#     instrumented code binds to at load time;
#   - MODULE_LIBRARY (a dlopen()ed plugin): compiled the same, nothing linked. Its
#     hook calls bind to the host's, so instrument the host executable too
#     (otherwise they bind to glibc's empty __cyg_profile_func_* and nothing is
#     recorded).
#
# The properties are appended directly, so it works whether the target's own
# target_link_libraries() calls use the keyword (PRIVATE/PUBLIC) or the plain
# signature, before or after this call.
#
# Works with the installed package (find_package(CallTrace)) and inside the
# calltrace build tree, where CallTrace::calltrace is an ALIAS of `calltrace`
# (also when a project adds calltrace with add_subdirectory()). Either way the
# target is visible from every directory, so <target> may belong to a directory
# added before find_package(CallTrace) (the package makes its target GLOBAL).

include_guard(GLOBAL)

function(calltrace_instrument)
  if(ARGC EQUAL 0)
    message(FATAL_ERROR "calltrace_instrument(): give at least one target")
  endif()
  if(NOT TARGET CallTrace::calltrace)
    message(FATAL_ERROR
      "calltrace_instrument(): target CallTrace::calltrace does not exist; "
      "call find_package(CallTrace REQUIRED) first")
  endif()

  # The runtime target itself: `calltrace` in its own build tree (where
  # CallTrace::calltrace is an ALIAS), the imported CallTrace::calltrace otherwise.
  get_target_property(_ct_runtime CallTrace::calltrace ALIASED_TARGET)
  if(NOT _ct_runtime)
    set(_ct_runtime CallTrace::calltrace)
  endif()

  foreach(_ct_target IN LISTS ARGV)
    if(NOT TARGET "${_ct_target}")
      message(FATAL_ERROR "calltrace_instrument(): '${_ct_target}' is not a target")
    endif()
    get_target_property(_ct_real "${_ct_target}" ALIASED_TARGET)
    if(NOT _ct_real)
      set(_ct_real "${_ct_target}")
    endif()
    get_target_property(_ct_imported "${_ct_real}" IMPORTED)
    if(_ct_imported)
      message(FATAL_ERROR
        "calltrace_instrument(): '${_ct_target}' is an imported target; only targets "
        "built by this project can be instrumented")
    endif()

    get_target_property(_ct_type "${_ct_real}" TYPE)
    if(NOT _ct_type MATCHES "^(EXECUTABLE|STATIC_LIBRARY|SHARED_LIBRARY|MODULE_LIBRARY)$")
      message(FATAL_ERROR
        "calltrace_instrument(): '${_ct_target}' has type ${_ct_type}; only executables "
        "and static, shared or module libraries can be instrumented")
    endif()

    set_property(TARGET "${_ct_real}" APPEND PROPERTY COMPILE_OPTIONS
      "$<$<COMPILE_LANGUAGE:C,CXX>:-finstrument-functions>"
      "$<$<COMPILE_LANGUAGE:C,CXX>:-g>")

    if(_ct_type STREQUAL "EXECUTABLE")
      set_property(TARGET "${_ct_real}" APPEND PROPERTY LINK_OPTIONS -rdynamic)
      set_property(TARGET "${_ct_real}" APPEND PROPERTY LINK_LIBRARIES CallTrace::calltrace)
    elseif(_ct_type STREQUAL "STATIC_LIBRARY")
      # LINK_LIBRARIES gives the library's own sources the runtime's usage
      # requirements (calltrace.h); an archive links nothing itself. INTERFACE_*
      # is what its consumers link. Together this is what
      # target_link_libraries(<lib> PUBLIC CallTrace::calltrace) would record.
      set_property(TARGET "${_ct_real}" APPEND PROPERTY LINK_LIBRARIES CallTrace::calltrace)
      set_property(TARGET "${_ct_real}" APPEND PROPERTY
        INTERFACE_LINK_LIBRARIES CallTrace::calltrace)
      set_property(TARGET "${_ct_real}" APPEND PROPERTY INTERFACE_LINK_OPTIONS -rdynamic)
    else()
      # Shared or module: the object must not link the archive (its hook calls
      # would bind to the executable's hooks or glibc's empty ones anyway): it gets
      # only the header path, and its undefined hooks bind at load time to those
      # the executable exports (-rdynamic). A shared library passes the runtime on
      # to the executables that link it; a module's host must be instrumented.
      set_property(TARGET "${_ct_real}" APPEND PROPERTY INCLUDE_DIRECTORIES
        "$<TARGET_PROPERTY:${_ct_runtime},INTERFACE_INCLUDE_DIRECTORIES>")
      if(_ct_type STREQUAL "SHARED_LIBRARY")
        set_property(TARGET "${_ct_real}" APPEND PROPERTY
          INTERFACE_LINK_LIBRARIES CallTrace::calltrace)
        set_property(TARGET "${_ct_real}" APPEND PROPERTY INTERFACE_LINK_OPTIONS -rdynamic)
      endif()
    endif()
  endforeach()
endfunction()
