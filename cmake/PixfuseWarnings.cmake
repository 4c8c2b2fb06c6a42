# pixfuse_warnings(target): warnings are errors in pixfuse's own targets (tests, bench,
# examples). Consumers of the INTERFACE library get no flags from us. -Wswitch-enum: a
# switch over an enum lists every enumerator (GCC warns even with a default:), so a new
# enumerator makes the compiler point at every switch that must handle it.
function(pixfuse_warnings target)
  if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    target_compile_options(${target} PRIVATE -Wall -Wextra -Wswitch-enum -Werror)
  elseif(MSVC)
    target_compile_options(${target} PRIVATE /W4 /WX)
  endif()
endfunction()
