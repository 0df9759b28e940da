// Mathematical constants and unit conversions, defined once.
#pragma once

namespace ipt {

constexpr double kPi = 3.14159265358979323846;
constexpr double kDegToRad = kPi / 180.0;
constexpr double kRadToDeg = 180.0 / kPi;

constexpr double DegToRad(double degrees) { return degrees * kDegToRad; }
constexpr double RadToDeg(double radians) { return radians * kRadToDeg; }

}  // namespace ipt
