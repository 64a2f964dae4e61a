/* libwasp.so has no sources of its own: it is libwasp.a linked whole. */
typedef int wasp__shared_library_has_no_sources_of_its_own;
