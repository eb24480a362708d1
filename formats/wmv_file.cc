#include "formats/wmv_file.h"

#include <xxhash.h>

#include <cmath>
#include <cstring>
#include <utility>
#include <vector>

#include "Eigen/Core"
#include "absl/strings/str_cat.h"
#include "formats/atomic_file.h"
#include "formats/mapped_file.h"

namespace wordmill {

const char kWmvMagic[8] = {'\x89', 'W', 'M', 'V', '\r', '\n', '\x1a', '\n'};

namespace {

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "little-endian host expected");

constexpr int64_t kMaxDim = 100000;
// Rows are stored as u32 in the index; all ones marks an empty slot.
constexpr uint64_t kMaxRows = 0xFFFFFFFEull;
constexpr uint64_t kEmptySlot = ~0ull;
// A header is a few hundred bytes plus the producing spec; more is a corrupt size field.
constexpr uint32_t kMaxHeaderBytes = 16u << 20;

int64_t Align(int64_t offset) {
  return (offset + kWmvAlignment - 1) / kWmvAlignment * kWmvAlignment;
}

int ElementBytes(WmvDtype dtype) { return dtype == WMV_FLOAT16 ? 2 : 4; }

uint64_t LoadU64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}

uint64_t WordHash(absl::string_view word) { return XXH3_64bits(word.data(), word.size()); }

uint64_t NextPowerOfTwo(uint64_t n) {
  uint64_t p = 1;
  while (p < n) p <<= 1;
  return p;
}

absl::Status CheckMatrix(const std::string& path, const EmbeddingMatrix& m) {
  if (m.dim < 1 || m.dim > kMaxDim) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": cannot write embeddings with dimension ", m.dim));
  }
  if (static_cast<uint64_t>(m.rows()) > kMaxRows) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": ", m.rows(), " rows; a .wmv holds at most ", kMaxRows));
  }
  if (m.values.size() != m.words.size() * static_cast<size_t>(m.dim)) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", m.values.size(), " values for ",
                                                   m.words.size(), " rows of dimension ", m.dim));
  }
  for (size_t k = 0; k < m.words.size(); ++k) {
    if (m.words[k].empty() || m.words[k].find('\n') != std::string::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": row ", k, ": word '", m.words[k], "' is empty or contains '\\n'"));
    }
  }
  return absl::OkStatus();
}

// Fills the open-addressing table; a word already present is an error naming both rows.
absl::Status BuildIndex(const std::string& path, const EmbeddingMatrix& m,
                        std::vector<uint64_t>* slots) {
  slots->assign(NextPowerOfTwo(std::max<uint64_t>(2, 2 * static_cast<uint64_t>(m.rows()))),
                kEmptySlot);
  const uint64_t mask = slots->size() - 1;
  for (int64_t row = 0; row < m.rows(); ++row) {
    const uint64_t hash = WordHash(m.words[row]);
    const uint64_t tag = hash >> 32;
    for (uint64_t s = hash & mask;; s = (s + 1) & mask) {
      uint64_t& slot = (*slots)[s];
      if (slot == kEmptySlot) {
        slot = (tag << 32) | static_cast<uint64_t>(row);
        break;
      }
      if ((slot >> 32) == tag && m.words[slot & 0xFFFFFFFFu] == m.words[row]) {
        return absl::InvalidArgumentError(absl::StrCat(path, ": duplicate word '", m.words[row],
                                                       "' in rows ", slot & 0xFFFFFFFFu, " and ",
                                                       row));
      }
    }
  }
  return absl::OkStatus();
}

absl::Status Pad(AtomicFileWriter* writer, int64_t to) {
  if (writer->size() > to) {
    return absl::InternalError(absl::StrCat(writer->path(), ": layout error at byte ", to));
  }
  return writer->Write(std::string(static_cast<size_t>(to - writer->size()), '\0'));
}

absl::string_view Bytes(const void* data, size_t size) {
  return absl::string_view(static_cast<const char*>(data), size);
}

}  // namespace

uint16_t FloatToHalf(float value) { return Eigen::numext::bit_cast<uint16_t>(Eigen::half(value)); }

float HalfToFloat(uint16_t bits) {
  return static_cast<float>(Eigen::numext::bit_cast<Eigen::half>(bits));
}

bool HasWmvMagic(absl::string_view data) {
  return data.size() >= sizeof(kWmvMagic) && std::memcmp(data.data(), kWmvMagic, 8) == 0;
}

namespace {

// Converts the matrix to binary16; a value beyond float16's range is an error naming it.
absl::Status ToHalf(const std::string& path, const EmbeddingMatrix& m,
                    std::vector<uint16_t>* half) {
  half->resize(m.values.size());
  for (size_t i = 0; i < m.values.size(); ++i) {
    (*half)[i] = FloatToHalf(m.values[i]);
    if (!std::isfinite(HalfToFloat((*half)[i])) && std::isfinite(m.values[i])) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ": row ", i / m.dim, " ('", m.words[i / m.dim], "') value ", i % m.dim + 1, " (",
          m.values[i], ") overflows float16 (max 65504); use dtype float32"));
    }
  }
  return absl::OkStatus();
}

// The bytes of the four sections, in file order.
struct WmvSections {
  absl::string_view matrix, word_offsets, words, index;
};

// The header for `sections`: sizes, checksums and the 64-byte-aligned offsets.
WmvHeader LayOut(const EmbeddingMatrix& m, const WmvWriteOptions& options,
                 const WmvSections& sections) {
  WmvHeader h;
  h.set_rows(static_cast<uint64_t>(m.rows()));
  h.set_dim(static_cast<uint32_t>(m.dim));
  h.set_dtype(options.dtype);
  h.set_normalized(options.normalized);
  if (!options.spec_type.empty()) h.set_spec_type(options.spec_type);
  if (!options.spec_text.empty()) h.set_spec_text(options.spec_text);
  if (!options.source.empty()) h.set_source(options.source);
  h.set_matrix_bytes(sections.matrix.size());
  h.set_words_bytes(sections.words.size());
  h.set_index_slots(sections.index.size() / sizeof(uint64_t));
  h.set_matrix_xxh3(XXH3_64bits(sections.matrix.data(), sections.matrix.size()));
  XXH3_state_t* state = XXH3_createState();
  XXH3_64bits_reset(state);
  XXH3_64bits_update(state, sections.word_offsets.data(), sections.word_offsets.size());
  XXH3_64bits_update(state, sections.words.data(), sections.words.size());
  h.set_vocab_xxh3(XXH3_64bits_digest(state));
  XXH3_freeState(state);
  h.set_index_xxh3(XXH3_64bits(sections.index.data(), sections.index.size()));
  // Every fixed64 field is set (to anything) first: the header's size is then final.
  for (auto setter :
       {&WmvHeader::set_matrix_offset, &WmvHeader::set_word_offsets_offset,
        &WmvHeader::set_words_offset, &WmvHeader::set_index_offset, &WmvHeader::set_file_size}) {
    (h.*setter)(0);
  }
  const int64_t header_bytes = static_cast<int64_t>(h.ByteSizeLong());
  h.set_matrix_offset(Align(kWmvPreambleBytes + header_bytes));
  h.set_word_offsets_offset(Align(h.matrix_offset() + sections.matrix.size()));
  h.set_words_offset(Align(h.word_offsets_offset() + sections.word_offsets.size()));
  h.set_index_offset(Align(h.words_offset() + sections.words.size()));
  h.set_file_size(h.index_offset() + sections.index.size());
  return h;
}

}  // namespace

absl::Status WriteWmv(const std::string& path, const EmbeddingMatrix& m,
                      const WmvWriteOptions& options) {
  if (absl::Status s = CheckMatrix(path, m); !s.ok()) return s;
  std::vector<uint64_t> slots;
  if (absl::Status s = BuildIndex(path, m, &slots); !s.ok()) return s;
  // The matrix bytes: the float32 values as they are, or converted to binary16.
  std::vector<uint16_t> half;
  WmvSections sections;
  sections.matrix = Bytes(m.values.data(), m.values.size() * sizeof(float));
  if (options.dtype == WMV_FLOAT16) {
    if (absl::Status s = ToHalf(path, m, &half); !s.ok()) return s;
    sections.matrix = Bytes(half.data(), half.size() * sizeof(uint16_t));
  }
  std::vector<uint64_t> offsets(m.words.size() + 1, 0);
  std::string words;
  for (size_t k = 0; k < m.words.size(); ++k) {
    words += m.words[k];
    offsets[k + 1] = words.size();
  }
  sections.word_offsets = Bytes(offsets.data(), offsets.size() * sizeof(uint64_t));
  sections.words = words;
  sections.index = Bytes(slots.data(), slots.size() * sizeof(uint64_t));
  const WmvHeader h = LayOut(m, options, sections);
  const std::string header = h.SerializeAsString();
  if (header.size() > kMaxHeaderBytes) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": header of ", header.size(),
                                                   " bytes (spec_text?) exceeds the ",
                                                   kMaxHeaderBytes, "-byte limit"));
  }

  char preamble[kWmvPreambleBytes];
  std::memcpy(preamble, kWmvMagic, 8);
  const uint32_t version = kWmvFormatVersion;
  const uint32_t size32 = static_cast<uint32_t>(header.size());
  const uint64_t header_hash = XXH3_64bits(header.data(), header.size());
  std::memcpy(preamble + 8, &version, 4);
  std::memcpy(preamble + 12, &size32, 4);
  std::memcpy(preamble + 16, &header_hash, 8);

  absl::StatusOr<std::unique_ptr<AtomicFileWriter>> writer = AtomicFileWriter::Open(path);
  if (!writer.ok()) return writer.status();
  AtomicFileWriter* w = writer->get();
  // Pad() also checks the layout: a section never starts before the previous one ended.
  for (auto [offset, bytes] : std::vector<std::pair<int64_t, absl::string_view>>{
           {0, Bytes(preamble, sizeof(preamble))},
           {kWmvPreambleBytes, header},
           {h.matrix_offset(), sections.matrix},
           {h.word_offsets_offset(), sections.word_offsets},
           {h.words_offset(), sections.words},
           {h.index_offset(), sections.index}}) {
    if (absl::Status s = Pad(w, offset); !s.ok()) return s;
    if (absl::Status s = w->Write(bytes); !s.ok()) return s;
  }
  return w->Commit();
}

// --- Reading ---------------------------------------------------------------------------------

WmvReader::~WmvReader() = default;

absl::StatusOr<std::unique_ptr<WmvReader>> WmvReader::Open(const std::string& path) {
  absl::StatusOr<std::unique_ptr<MappedFile>> file = MappedFile::Open(path);
  if (!file.ok()) return file.status();
  const int64_t size = static_cast<int64_t>((*file)->size());
  if (size < kWmvPreambleBytes) {
    return absl::DataLossError(absl::StrCat(path, ": ", size, " bytes, shorter than the ",
                                            kWmvPreambleBytes,
                                            "-byte .wmv preamble (truncated or not a .wmv file)"));
  }
  std::unique_ptr<WmvReader> reader(new WmvReader());
  reader->path_ = path;
  reader->base_ = (*file)->data().data();
  reader->size_ = static_cast<size_t>(size);
  reader->file_ = *std::move(file);
  if (absl::Status s = reader->Validate(size); !s.ok()) return s;
  return reader;
}

absl::Status WmvReader::Validate(int64_t file_size) {
  const std::string& p = path_;
  if (!HasWmvMagic(absl::string_view(base_, size_))) {
    return absl::InvalidArgumentError(absl::StrCat(p, ": bad magic at byte 0 (not a .wmv file)"));
  }
  uint32_t version, header_size;
  std::memcpy(&version, base_ + 8, 4);
  std::memcpy(&header_size, base_ + 12, 4);
  if (version != kWmvFormatVersion) {
    return absl::InvalidArgumentError(absl::StrCat(p, ": format_version ", version,
                                                   " at byte 8; this reader knows version ",
                                                   kWmvFormatVersion));
  }
  if (header_size > kMaxHeaderBytes || header_size > file_size - kWmvPreambleBytes) {
    return absl::DataLossError(absl::StrCat(p, ": header_size ", header_size,
                                            " at byte 12 exceeds the file (", file_size,
                                            " bytes) or the ", kMaxHeaderBytes, "-byte limit"));
  }
  const char* header = base_ + kWmvPreambleBytes;
  if (XXH3_64bits(header, header_size) != LoadU64(base_ + 16)) {
    return absl::DataLossError(
        absl::StrCat(p, ": header checksum mismatch (bytes 16..23 vs the header at byte 24)"));
  }
  if (!header_.ParseFromArray(header, static_cast<int>(header_size))) {
    return absl::DataLossError(absl::StrCat(p, ": header at byte 24 is not a WmvHeader"));
  }
  const WmvHeader& h = header_;
  if (h.file_size() != static_cast<uint64_t>(file_size)) {
    return absl::DataLossError(absl::StrCat(p, ": file is ", file_size,
                                            " bytes but header field file_size is ", h.file_size(),
                                            " (truncated or extended)"));
  }
  if (h.rows() > kMaxRows) {
    return absl::DataLossError(
        absl::StrCat(p, ": header field rows = ", h.rows(), " exceeds the .wmv limit ", kMaxRows));
  }
  if (h.dim() < 1 || h.dim() > kMaxDim) {
    return absl::DataLossError(
        absl::StrCat(p, ": header field dim = ", h.dim(), " is outside 1..", kMaxDim));
  }
  if (!WmvDtype_IsValid(h.dtype())) {
    return absl::DataLossError(absl::StrCat(p, ": header field dtype = ", h.dtype(), " unknown"));
  }
  const uint64_t matrix_bytes = h.rows() * h.dim() * ElementBytes(h.dtype());
  if (h.matrix_bytes() != matrix_bytes) {
    return absl::DataLossError(absl::StrCat(p, ": header field matrix_bytes = ", h.matrix_bytes(),
                                            " but rows = ", h.rows(), " x dim = ", h.dim(), " x ",
                                            ElementBytes(h.dtype()), " bytes = ", matrix_bytes));
  }
  if (h.index_slots() < 2 * h.rows() || h.index_slots() < 2 ||
      (h.index_slots() & (h.index_slots() - 1)) != 0 || h.index_slots() > (1ull << 40)) {
    return absl::DataLossError(absl::StrCat(p, ": header field index_slots = ", h.index_slots(),
                                            " is not a power of two >= 2 * rows"));
  }
  // Sections in file order, each 64-byte aligned, after the previous one, inside the file.
  struct Section {
    const char* name;
    uint64_t offset;
    uint64_t bytes;
  };
  const Section sections[] = {
      {"matrix", h.matrix_offset(), matrix_bytes},
      {"word_offsets", h.word_offsets_offset(), (h.rows() + 1) * 8},
      {"words", h.words_offset(), h.words_bytes()},
      {"index", h.index_offset(), h.index_slots() * 8},
  };
  const std::string claim = absl::StrCat(" (header fields rows = ", h.rows(), ", dim = ", h.dim(),
                                         ": does the header claim more rows than the file holds?)");
  uint64_t end = kWmvPreambleBytes + header_size;
  const char* previous = "header";
  for (const Section& s : sections) {
    if (s.offset % kWmvAlignment != 0) {
      return absl::DataLossError(absl::StrCat(p, ": header field ", s.name, "_offset = ", s.offset,
                                              " is not a multiple of 64"));
    }
    if (s.offset < end) {
      return absl::DataLossError(absl::StrCat(p, ": header field ", s.name, "_offset = ", s.offset,
                                              " overlaps the ", previous,
                                              " section, which ends at byte ", end, claim));
    }
    if (s.offset > h.file_size() || s.bytes > h.file_size() - s.offset) {
      return absl::DataLossError(
          absl::StrCat(p, ": section ", s.name, " [", s.offset, ", ", s.offset + s.bytes,
                       ") extends past the end of the file (", file_size, " bytes)", claim));
    }
    end = s.offset + s.bytes;
    previous = s.name;
  }
  if (end != h.file_size()) {
    return absl::DataLossError(absl::StrCat(p, ": ", h.file_size() - end,
                                            " bytes after the index section (byte ", end, ")"));
  }
  rows_ = static_cast<int64_t>(h.rows());
  dim_ = static_cast<int>(h.dim());
  matrix_ = base_ + h.matrix_offset();
  word_offsets_ = base_ + h.word_offsets_offset();
  words_ = base_ + h.words_offset();
  index_ = base_ + h.index_offset();
  index_mask_ = h.index_slots() - 1;
  if (LoadU64(word_offsets_) != 0 || LoadU64(word_offsets_ + 8 * rows_) != h.words_bytes()) {
    return absl::DataLossError(absl::StrCat(p,
                                            ": word_offsets[0] and word_offsets[rows] do not "
                                            "span the header field words_bytes = ",
                                            h.words_bytes(), claim));
  }
  return absl::OkStatus();
}

absl::Span<const float> WmvReader::Row(int64_t i) const {
  if (dtype() != WMV_FLOAT32 || i < 0 || i >= rows_) return {};
  return absl::Span<const float>(reinterpret_cast<const float*>(matrix_) + i * dim_,
                                 static_cast<size_t>(dim_));
}

absl::Span<const uint16_t> WmvReader::RowF16(int64_t i) const {
  if (dtype() != WMV_FLOAT16 || i < 0 || i >= rows_) return {};
  return absl::Span<const uint16_t>(reinterpret_cast<const uint16_t*>(matrix_) + i * dim_,
                                    static_cast<size_t>(dim_));
}

void WmvReader::CopyRow(int64_t i, float* out) const {
  if (dtype() == WMV_FLOAT32) {
    std::memcpy(out, matrix_ + i * dim_ * sizeof(float), dim_ * sizeof(float));
    return;
  }
  const char* row = matrix_ + i * dim_ * sizeof(uint16_t);
  for (int j = 0; j < dim_; ++j) {
    uint16_t bits;
    std::memcpy(&bits, row + 2 * j, 2);
    out[j] = HalfToFloat(bits);
  }
}

absl::string_view WmvReader::Word(int64_t i) const {
  if (i < 0 || i >= rows_) return {};
  const uint64_t begin = LoadU64(word_offsets_ + 8 * i);
  const uint64_t end = LoadU64(word_offsets_ + 8 * (i + 1));
  if (begin > end || end > header_.words_bytes()) return {};
  return absl::string_view(words_ + begin, end - begin);
}

int64_t WmvReader::Find(absl::string_view word) const {
  const uint64_t hash = WordHash(word);
  const uint64_t tag = hash >> 32;
  // At most every slot once, even in a corrupt table without empty slots.
  for (uint64_t s = hash & index_mask_, probes = 0; probes <= index_mask_;
       s = (s + 1) & index_mask_, ++probes) {
    const uint64_t slot = LoadU64(index_ + 8 * s);
    if (slot == kEmptySlot) return -1;
    const int64_t row = static_cast<int64_t>(slot & 0xFFFFFFFFu);
    if ((slot >> 32) == tag && row < rows_ && Word(row) == word) return row;
  }
  return -1;
}

absl::Status WmvReader::VerifyChecksums() const {
  const WmvHeader& h = header_;
  if (XXH3_64bits(matrix_, h.matrix_bytes()) != h.matrix_xxh3()) {
    return absl::DataLossError(absl::StrCat(path_, ": matrix checksum mismatch (section at byte ",
                                            h.matrix_offset(), "; header field matrix_xxh3)"));
  }
  XXH3_state_t* state = XXH3_createState();
  XXH3_64bits_reset(state);
  XXH3_64bits_update(state, word_offsets_, 8 * (rows_ + 1));
  XXH3_64bits_update(state, words_, h.words_bytes());
  const uint64_t vocab = XXH3_64bits_digest(state);
  XXH3_freeState(state);
  if (vocab != h.vocab_xxh3()) {
    return absl::DataLossError(absl::StrCat(path_,
                                            ": vocabulary checksum mismatch (sections at "
                                            "byte ",
                                            h.word_offsets_offset(), "; header field vocab_xxh3)"));
  }
  if (XXH3_64bits(index_, 8 * h.index_slots()) != h.index_xxh3()) {
    return absl::DataLossError(absl::StrCat(path_, ": index checksum mismatch (section at byte ",
                                            h.index_offset(), "; header field index_xxh3)"));
  }
  for (int64_t i = 0; i < rows_; ++i) {
    if (LoadU64(word_offsets_ + 8 * i) >= LoadU64(word_offsets_ + 8 * (i + 1))) {
      return absl::DataLossError(
          absl::StrCat(path_, ": word_offsets: word ", i, " is empty or out of order"));
    }
  }
  return absl::OkStatus();
}

EmbeddingMatrix WmvReader::ToMatrix() const {
  EmbeddingMatrix m;
  m.dim = dim_;
  m.words.reserve(rows_);
  m.values.resize(static_cast<size_t>(rows_) * dim_);
  for (int64_t i = 0; i < rows_; ++i) {
    m.words.emplace_back(Word(i));
    CopyRow(i, m.mutable_row(i));
  }
  return m;
}

absl::StatusOr<EmbeddingMatrix> ReadWmv(const std::string& path) {
  absl::StatusOr<std::unique_ptr<WmvReader>> reader = WmvReader::Open(path);
  if (!reader.ok()) return reader.status();
  if (absl::Status s = (*reader)->VerifyChecksums(); !s.ok()) return s;
  return (*reader)->ToMatrix();
}

}  // namespace wordmill
