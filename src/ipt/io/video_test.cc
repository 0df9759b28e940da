#include "ipt/io/video.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ipt/util/atomic_path.h"
#include "ipt/util/check.h"

namespace ipt::io {
namespace {
namespace fs = std::filesystem;

fs::path TempDir() {
  fs::path dir = fs::temp_directory_path() / ("ipt_video_test_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return dir;
}

fs::path WriteTestVideo(const std::string& name, int frames) {
  fs::path path = TempDir() / name;
  VideoWriter writer(path, 25.0, cv::Size(160, 96));
  for (int i = 0; i < frames; ++i) {
    cv::Mat frame(96, 160, CV_8UC3, cv::Scalar(i * 10 % 255, 80, 160));
    writer.Write(frame);
  }
  writer.Close();
  return path;
}

TEST(Video, WriteThenReadEveryFrame) {
  fs::path path = WriteTestVideo("ok.mp4", 12);
  VideoReader reader(path, 12, cv::Size(160, 96));
  cv::Mat frame;
  int n = 0;
  while (reader.Read(&frame)) {
    EXPECT_NEAR(frame.at<cv::Vec3b>(48, 80)[0], n * 10 % 255, 6);  // lossy, but close
    ++n;
  }
  EXPECT_EQ(n, 12);
  reader.Seek(5);
  ASSERT_TRUE(reader.Read(&frame));
  EXPECT_NEAR(frame.at<cv::Vec3b>(48, 80)[0], 50, 6);
}

TEST(Video, WriterWithoutCloseLeavesNothing) {
  fs::path path = TempDir() / "abandoned.mp4";
  {
    VideoWriter writer(path, 25.0, cv::Size(160, 96));
    writer.Write(cv::Mat(96, 160, CV_8UC3, cv::Scalar::all(0)));
  }
  EXPECT_FALSE(fs::exists(path));
}

TEST(Video, FrameCountOrSizeDifferentFromMatchYaml) {
  fs::path path = WriteTestVideo("count.mp4", 8);
  try {
    VideoReader reader(path, 9, {});
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("video has 8 frames, match.yaml says 9"), std::string::npos);
  }
  EXPECT_THROW(VideoReader(path, 8, cv::Size(1280, 720)), InputError);
}

TEST(Video, MissingAndTruncatedFiles) {
  EXPECT_THROW(VideoReader(TempDir() / "absent.mp4", 0, {}), InputError);
  fs::path path = WriteTestVideo("trunc.mp4", 20);
  std::string bytes = ReadFile(path);
  fs::path cut = TempDir() / "cut.mp4";
  WriteFileAtomic(cut, bytes.substr(0, bytes.size() / 2));
  // Either opening fails, or the frame count no longer matches, or decoding stops early.
  EXPECT_THROW(
      {
        VideoReader reader(cut, 20, cv::Size(160, 96));
        cv::Mat frame;
        while (reader.Read(&frame)) {
        }
      },
      InputError);
}

// A FIFO named as a video used to block forever in the decoder.
TEST(Video, FifoIsRefusedNotWaitedOn) {
  fs::path fifo = TempDir() / "left_fifo.mp4";
  fs::remove(fifo);
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  try {
    VideoReader reader(fifo, 0, {});
    ADD_FAILURE() << "opened a FIFO";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("not a regular file"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace ipt::io
