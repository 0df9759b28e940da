#include "ipt/viz/render.h"

#include <gtest/gtest.h>

#include <fstream>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/videoio.hpp>

#include "ipt/eval/pipeline_output.h"
#include "ipt/io/annotations.h"
#include "ipt/io/match_dir.h"
#include "ipt/sim/synthetic_match.h"
#include "ipt/sim/tiny_config_test_util.h"
#include "ipt/util/check.h"
#include "ipt/util/test_util.h"

namespace ipt::viz {
namespace {
namespace fs = std::filesystem;

// A 2-second match (10 fps, small images) and an output that is its ground truth, named.
struct Tiny {
  fs::path root, match, out;
  int frames = 0;
  size_t rows = 0;
};

const Tiny& TheTiny() {
  static const Tiny tiny = [] {
    Tiny t;
    t.root = testing::FreshTempDir("render");
    const sim::SimConfig config = sim::testing::TinyMatchConfig();
    t.match = t.root / "match";
    sim::WriteSyntheticMatch(config, 5, 2.0, t.match, {});
    const io::MatchDir m = io::OpenMatchDir(t.match);
    t.frames = m.info.frame_count;
    std::vector<eval::PipelineRow> rows;
    for (const auto& a : io::ReadAnnotationsCsv(t.match / "annotations.csv", t.frames)) {
      if (!a.in_view) continue;
      eval::PipelineRow r;
      r.frame = a.frame;
      r.track_id = a.person_id;
      r.x_m = a.x_m;
      r.z_m = a.z_m;
      r.category = a.category;
      r.jersey = a.jersey;
      r.player_id = a.person_id;
      rows.push_back(r);
    }
    rows.back().category.reset();  // one row no category: not drawn
    t.rows = rows.size();
    t.out = t.root / "out";
    fs::create_directories(t.out);
    eval::WriteTracksCsv(rows, t.out / "tracks.csv");
    return t;
  }();
  return tiny;
}

TEST(Render, EveryFrameOfTheOutputBesideTheMinimap) {
  const Tiny& t = TheTiny();
  const fs::path video = t.root / "render.mp4";
  int progress = 0;
  RenderOptions o;
  o.progress = [&](int done, int total) {
    EXPECT_EQ(total, t.frames);
    progress = done;
  };
  const RenderReport r = RenderOutput(t.out, t.match, video, o);
  EXPECT_EQ(r.frames, t.frames);
  EXPECT_EQ(progress, t.frames);
  EXPECT_EQ(r.rows_drawn + r.rows_without_category, static_cast<int64_t>(t.rows));
  EXPECT_EQ(r.rows_without_category, 1);
  EXPECT_EQ(r.height_px, 256);      // the panorama's height; the minimap matches it
  EXPECT_GT(r.width_px, 512 + 256); // panorama + gap + minimap (wider than tall)
  cv::VideoCapture capture(video.string());
  ASSERT_TRUE(capture.isOpened());
  EXPECT_EQ(static_cast<int>(capture.get(cv::CAP_PROP_FRAME_COUNT)), t.frames);
  cv::Mat frame;
  ASSERT_TRUE(capture.read(frame));
  EXPECT_EQ(frame.cols, r.width_px);
  EXPECT_EQ(frame.rows, r.height_px);
  // --frames, and stills
  RenderOptions few;
  few.max_frames = 5;
  few.stills = 2;
  few.stills_dir = t.root / "stills";
  const RenderReport five = RenderOutput(t.out, t.match, t.root / "five.mp4", few);
  EXPECT_EQ(five.frames, 5);
  ASSERT_EQ(five.stills.size(), 2u);
  EXPECT_EQ(five.stills[0].filename(), "frame_000002.png");  // the middles of frames 1-2.5 and 2.5-5
  EXPECT_EQ(five.stills[1].filename(), "frame_000004.png");
  const cv::Mat still = cv::imread(five.stills[1].string());
  EXPECT_EQ(still.cols, r.width_px);
  EXPECT_EQ(still.rows, r.height_px);
}

// Players, guesses and unnamed tracks are told apart on the picture.
TEST(Render, LabelsSayPlayerGuessOrTrack) {
  eval::PipelineRow r;
  r.track_id = 12;
  EXPECT_EQ(OutputRowLabel(r), "T12");
  r.jersey = 10;
  EXPECT_EQ(OutputRowLabel(r), "T12 #10");
  r.player_id = 7;
  EXPECT_EQ(OutputRowLabel(r), "P7 #10");
  r.player_guessed = true;
  EXPECT_EQ(OutputRowLabel(r), "P7? #10");
  r.jersey.reset();
  EXPECT_EQ(OutputRowLabel(r), "P7?");  // a referee
}

TEST(Render, BadInputNamesTheFileAndWritesNothing) {
  const Tiny& t = TheTiny();
  const fs::path bad = t.root / "bad_out";
  fs::create_directories(bad);
  std::ofstream(bad / "tracks.csv") << "frame,track_id,x_m,z_m,score,category,jersey,player_id\n1,1,abc,2,1,team_a,,\n";
  const fs::path video = t.root / "never.mp4";
  const std::string error = testing::MessageOf<InputError>([&] { RenderOutput(bad, t.match, video); });
  EXPECT_NE(error.find("tracks.csv:2"), std::string::npos) << error;
  EXPECT_FALSE(fs::exists(video));
  EXPECT_NE(testing::MessageOf<Error>([&] { RenderOutput(t.out, t.match, t.out / "tracks.csv"); }).find("input"),
            std::string::npos);
  EXPECT_NE(testing::MessageOf<Error>([&] { RenderOutput(t.root / "nowhere", t.match, video); }).find("tracks.csv"),
            std::string::npos);
  RenderOptions codec;
  codec.codec = "h264x";
  EXPECT_THROW(RenderOutput(t.out, t.match, video, codec), Error);
}

}  // namespace
}  // namespace ipt::viz
