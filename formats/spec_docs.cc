#include "formats/spec_docs.h"

#include <cstddef>
#include <memory>

#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "google/protobuf/descriptor.pb.h"

namespace wordmill {

extern const unsigned char kWordmillDescriptorSet[];
extern const size_t kWordmillDescriptorSetSize;

namespace {

// A pool built from the embedded descriptor set, which keeps the comments that the generated
// code's own pool drops.
const google::protobuf::DescriptorPool& DocumentedPool() {
  static const google::protobuf::DescriptorPool* pool = [] {
    auto* result = new google::protobuf::DescriptorPool();
    google::protobuf::FileDescriptorSet set;
    if (set.ParseFromArray(kWordmillDescriptorSet, static_cast<int>(kWordmillDescriptorSetSize))) {
      for (const auto& file : set.file()) result->BuildFile(file);
    }
    return result;
  }();
  return *pool;
}

}  // namespace

std::string FieldComment(const google::protobuf::FieldDescriptor* field) {
  const google::protobuf::Descriptor* message =
      DocumentedPool().FindMessageTypeByName(field->containing_type()->full_name());
  if (message == nullptr) return "";
  const google::protobuf::FieldDescriptor* documented = message->FindFieldByName(field->name());
  google::protobuf::SourceLocation location;
  if (documented == nullptr || !documented->GetSourceLocation(&location)) return "";
  std::vector<absl::string_view> words =
      absl::StrSplit(location.leading_comments, absl::ByAnyChar(" \n\t"), absl::SkipEmpty());
  return absl::StrJoin(words, " ");
}

}  // namespace wordmill
