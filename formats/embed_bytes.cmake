# Turns the file IN into a C++ source OUT defining wordmill::kWordmillDescriptorSet.
file(READ ${IN} hex HEX)
string(LENGTH "${hex}" n)
math(EXPR bytes "${n} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," body "${hex}")
file(WRITE ${OUT} "// Generated from wordmill.proto by embed_bytes.cmake; do not edit.\n#include <cstddef>\nnamespace wordmill {\nextern const unsigned char kWordmillDescriptorSet[] = {${body}};\nextern const size_t kWordmillDescriptorSetSize = ${bytes};\n}  // namespace wordmill\n")
