// The comments of wordmill.proto at run time: the build embeds the schema's descriptor set with
// source info, so `--help` prints the same text a reader of the .proto sees.
#ifndef WORDMILL_FORMATS_SPEC_DOCS_H_
#define WORDMILL_FORMATS_SPEC_DOCS_H_

#include <string>

#include "google/protobuf/descriptor.h"

namespace wordmill {

// The leading comment of `field` in wordmill.proto, whitespace-collapsed into one paragraph;
// "" if it has none.
std::string FieldComment(const google::protobuf::FieldDescriptor* field);

}  // namespace wordmill

#endif  // WORDMILL_FORMATS_SPEC_DOCS_H_
