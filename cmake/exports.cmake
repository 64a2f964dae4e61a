# Writes the shared library's version script: every function that the public
# headers declare (wasp_*( in include/wasp.h and include/wasp_test.h) is
# global, everything else local. Run as: cmake -DHEADER=... -DOUT=... -P exports.cmake
get_filename_component(dir ${HEADER} DIRECTORY)
set(names)
foreach(h ${HEADER} ${dir}/wasp_test.h)
    if(EXISTS ${h})
        file(READ ${h} text)
        string(REGEX MATCHALL "wasp_[a-z0-9_]+[ \t]*\\(" found "${text}")
        list(APPEND names ${found})
    endif()
endforeach()
list(TRANSFORM names REPLACE "[ \t]*\\($" "")
list(REMOVE_DUPLICATES names)
list(SORT names)
list(JOIN names ";\n        " globals)
file(WRITE ${OUT}.tmp "{\n    global:\n        ${globals};\n    local:\n        *;\n};\n")
file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)
file(REMOVE ${OUT}.tmp)
