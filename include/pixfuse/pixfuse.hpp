// pixfuse: expression-fused image preprocessing for ML inference (CPU).
// One include for the whole library; pixfuse/cuda.hpp adds the CUDA backend.
#pragma once

#include "pixfuse/version.hpp"

#include "pixfuse/core/convert.hpp"
#include "pixfuse/core/dtype.hpp"
#include "pixfuse/core/error.hpp"
#include "pixfuse/core/extents.hpp"
#include "pixfuse/core/float16.hpp"
#include "pixfuse/core/image_view.hpp"
#include "pixfuse/core/tensor_view.hpp"
#include "pixfuse/core/validate.hpp"

#include "pixfuse/recipe/presets.hpp"
#include "pixfuse/recipe/recipe.hpp"

#include "pixfuse/plan/lower.hpp"
#include "pixfuse/plan/plan.hpp"

#include "pixfuse/cpu/reference.hpp"
#include "pixfuse/cpu/prefetch_level.hpp"
#include "pixfuse/cpu/value_form.hpp"
#include "pixfuse/run.hpp"

// Batches: plans cached per shape, images mapped over a batch on a caller-owned executor,
// producing the next batch while the current one is processed.
#include "pixfuse/executor.hpp"
#include "pixfuse/jit.hpp"
#include "pixfuse/pipeline.hpp"
#include "pixfuse/vmap.hpp"

#include "pixfuse/io/decode.hpp"
#include "pixfuse/io/npy.hpp"
