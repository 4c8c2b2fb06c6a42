// Mirror stages. A flip applies where it stands in the recipe: before the resize it
// mirrors the source, after it the resized image (as torchvision's RandomHorizontalFlip
// after Resize does). Either way it is folded into the Plan's coordinate maps.
#pragma once

#include "pixfuse/recipe/stage.hpp"

namespace pixfuse {

struct Flip : StageTag {
  bool horizontal = false;
  bool vertical = false;
};
inline Flip hflip() { return Flip{{}, true, false}; }
inline Flip vflip() { return Flip{{}, false, true}; }

}  // namespace pixfuse
