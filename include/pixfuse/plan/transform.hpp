// PointTransform: where a point of the output lies in the upright source image, and
// back. It maps detections on a letterboxed input back to the original photo.
#pragma once

namespace pixfuse {

struct AxisTransform {
  // source = (output - offset) * scale + origin, in pixel-edge coordinates: offset is
  // where the resized image starts in the output (a letterbox's padding), scale the
  // source pixels per output pixel (negative when flipped), origin its source edge.
  double offset = 0, scale = 1, origin = 0;
  double source(double out) const { return (out - offset) * scale + origin; }
  double output(double src) const { return (src - origin) / scale + offset; }
};
struct PointTransform {
  AxisTransform x, y;
  double source_x(double out_x) const { return x.source(out_x); }
  double source_y(double out_y) const { return y.source(out_y); }
  double output_x(double src_x) const { return x.output(src_x); }
  double output_y(double src_y) const { return y.output(src_y); }
};

}  // namespace pixfuse
