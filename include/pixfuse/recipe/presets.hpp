// The recipes models are commonly trained with.
//
// Scaling is over(255): x / 255 in float, as ToTensor and YOLO compute it.
//
//   imagenet  torchvision's eval transform: RGB, Resize(256) bilinear (PIL), CenterCrop(224),
//             ToTensor, Normalize(ImageNet mean/std) -> NCHW f32 (3, 224, 224)
//   clip      OpenAI CLIP: RGB, Resize(224) bicubic (PIL), CenterCrop(224), ToTensor,
//             Normalize(CLIP mean/std) -> NCHW f32 (3, 224, 224)
//   yolo      ultralytics: RGB, LetterBox(640) with cv2.resize INTER_LINEAR and pad 114,
//             / 255 -> NCHW f32 (3, 640, 640)
//
// By name, as a DynamicRecipe (recipe files, pixfuse-prep --preset, bindings):
//   std::optional<DynamicRecipe> r = pixfuse::presets::by_name("clip");
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "pixfuse/recipe/dynamic.hpp"
#include "pixfuse/recipe/recipe.hpp"

namespace pixfuse::presets {

inline constexpr float imagenet_mean[3] = {0.485f, 0.456f, 0.406f};
inline constexpr float imagenet_std[3] = {0.229f, 0.224f, 0.225f};
inline constexpr float clip_mean[3] = {0.48145466f, 0.4578275f, 0.40821073f};
inline constexpr float clip_std[3] = {0.26862954f, 0.26130258f, 0.27577711f};

inline auto imagenet() {
  return to_rgb() | resize_shorter(256).filter(Filter::bilinear).compat(Compat::pil) |
         center_crop<224, 224>() |
         normalize(over(255.0f), {imagenet_mean[0], imagenet_mean[1], imagenet_mean[2]},
                   {imagenet_std[0], imagenet_std[1], imagenet_std[2]}) |
         nchw() | cast<float>();
}

inline auto clip() {
  return to_rgb() | resize_shorter(224).filter(Filter::bicubic).compat(Compat::pil) |
         center_crop<224, 224>() |
         normalize(over(255.0f), {clip_mean[0], clip_mean[1], clip_mean[2]},
                   {clip_std[0], clip_std[1], clip_std[2]}) |
         nchw() | cast<float>();
}

inline auto yolo() {
  return to_rgb() |
         letterbox<640, 640>(114.0f)
             .filter(Filter::bilinear)
             .compat(Compat::opencv)
             .antialias(false) |
         rescale(over(255.0f)) | nchw() | cast<float>();
}

inline constexpr std::string_view names[] = {"imagenet", "clip", "yolo"};

// "imagenet, clip, yolo": for messages.
inline std::string names_text() {
  std::string s;
  for (std::string_view n : names) s += (s.empty() ? "" : ", ") + std::string(n);
  return s;
}

// The preset called `name`, or nothing.
inline std::optional<DynamicRecipe> by_name(std::string_view name) {
  if (name == "imagenet") return to_dynamic(imagenet());
  if (name == "clip") return to_dynamic(clip());
  if (name == "yolo") return to_dynamic(yolo());
  return std::nullopt;
}

}  // namespace pixfuse::presets
