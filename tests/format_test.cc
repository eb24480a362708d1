#include "base/format.h"

#include <cmath>
#include <limits>

#include "gtest/gtest.h"

namespace wordmill {
namespace {

TEST(FormatTest, Eta) {
  EXPECT_EQ(FormatEta(0), "0:00:00");
  EXPECT_EQ(FormatEta(0.4), "0:00:00");
  EXPECT_EQ(FormatEta(0.5), "0:00:01");
  EXPECT_EQ(FormatEta(59.6), "0:01:00");
  EXPECT_EQ(FormatEta(3599), "0:59:59");
  EXPECT_EQ(FormatEta(3600), "1:00:00");
  EXPECT_EQ(FormatEta(90061), "25:01:01");  // hours do not wrap into days
  EXPECT_EQ(FormatEta(-1), "--:--");
  EXPECT_EQ(FormatEta(std::nan("")), "--:--");
  EXPECT_EQ(FormatEta(std::numeric_limits<double>::infinity()), "--:--");
  EXPECT_EQ(FormatEta(2e8), "--:--");
}

TEST(FormatTest, EtaSeconds) {
  EXPECT_DOUBLE_EQ(EtaSeconds(10, 0.25), 30);
  EXPECT_DOUBLE_EQ(EtaSeconds(10, 0.5), 10);
  EXPECT_DOUBLE_EQ(EtaSeconds(10, 1), 0);
  EXPECT_DOUBLE_EQ(EtaSeconds(10, 1.5), 0);  // overshoot: done
  EXPECT_DOUBLE_EQ(EtaSeconds(10, 0), -1);   // nothing done yet: unknown
  EXPECT_EQ(FormatEta(EtaSeconds(0, 0)), "--:--");
  EXPECT_EQ(FormatEta(EtaSeconds(100, 0.1)), "0:15:00");
}

TEST(FormatTest, CountAndRate) {
  EXPECT_EQ(FormatCount(0), "0");
  EXPECT_EQ(FormatCount(950), "950");
  EXPECT_EQ(FormatCount(999.4), "999");
  EXPECT_EQ(FormatCount(1000), "1.0 k");
  EXPECT_EQ(FormatCount(12345), "12.3 k");
  EXPECT_EQ(FormatCount(4480000), "4.48 M");
  EXPECT_EQ(FormatCount(1.234e9), "1.23 G");
  EXPECT_EQ(FormatRate(2e6, "tokens"), "2.00 M tokens/s");
  EXPECT_EQ(FormatRate(950, "words"), "950 words/s");
  EXPECT_EQ(FormatRate(12500, "records"), "12.5 k records/s");
}

TEST(FormatTest, Megabytes) {
  EXPECT_EQ(FormatMegabytes(0), "0.0 MB");
  EXPECT_EQ(FormatMegabytes(19700000), "19.7 MB");
  EXPECT_EQ(FormatMegabytes(66449999), "66.4 MB");
}

}  // namespace
}  // namespace wordmill
